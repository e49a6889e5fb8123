// A Node peer (ESM): joins the room over WebRTC, writes its tag into a Y.Text and waits
// until the other peer's tag arrives, then reports and stays until its stdin closes (so that it
// keeps serving the other peer until both have synced), then closes the room and exits. Usage: node peer.mjs <signaling url> <room> <mine> <theirs>
import * as Y from 'yjs'
import { createRoom } from '@gossamer/core'
import { webrtc } from '@gossamer/webrtc'
import wrtc from '@roamhq/wrtc'
import { WebSocket } from 'ws'

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
await new Promise((resolve) => {
  const check = () => text.toString().includes(`${theirs};`) && resolve()
  text.observe(check)
  check()
})
clearTimeout(deadline)
console.log(JSON.stringify({ peer: mine, text: text.toString(), neighbours: room.neighbours().length }))
// The orchestrator closes our stdin when both peers have synced.
process.stdin.on('end', () => room.close().then(() => process.exit(0)))
process.stdin.resume()
