// The same peer from CommonJS (require), so the two module formats sync with each other.
// It reports once the other peer's tag arrived and stays until its stdin closes.
// Usage: node peer.cjs <signaling url> <room> <mine> <theirs>
const Y = require('yjs')
const { createRoom } = require('@gossamer/core')
const { webrtc } = require('@gossamer/webrtc')
const wrtc = require('@roamhq/wrtc')
const { WebSocket } = require('ws')

const [signal, name, mine, theirs] = process.argv.slice(2)
const doc = new Y.Doc()
const room = createRoom({ name, doc, transports: [webrtc({ signaling: [signal], wrtc, WebSocket, iceServers: [] })] })
room.on('error', ({ error }) => console.error(`peer ${mine}: ${error.name}: ${error.message}`))
const text = doc.getText('shared')
text.insert(0, `${mine};`)
const deadline = setTimeout(() => {
  console.error(`peer ${mine}: no "${theirs}" after 30 s; text is "${text.toString()}"`)
  process.exit(1)
}, 30_000)
const check = () => {
  if (!text.toString().includes(`${theirs};`)) return
  text.unobserve(check)
  clearTimeout(deadline)
  console.log(JSON.stringify({ peer: mine, text: text.toString(), neighbours: room.neighbours().length }))
}
// The orchestrator closes our stdin when both peers have synced.
process.stdin.on('end', () => room.close().then(() => process.exit(0)))
process.stdin.resume()
text.observe(check)
check()
