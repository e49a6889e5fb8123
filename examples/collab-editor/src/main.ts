/**
 * The collaborative editor: one Y.Text in a Gossamer room, edited through CodeMirror 6.
 * Tabs of one browser sync over BroadcastChannel; other browsers and Node peers over WebRTC,
 * introduced by the signaling server named in `?signal=`.
 */
import './style.css'
import * as Y from 'yjs'
import { createRoom } from '@gossamer/core'
import { createEditor } from './editor.js'
import type { GossamerHandle } from './handle.js'
import { keepColourDistinct, pickIdentity } from './identity.js'
import { mountPanel } from './panel.js'
import { readParams } from './params.js'
import { createTransports } from './transports.js'

const params = readParams(location.search, location.hash)
const user = pickIdentity(params.name)
const doc = new Y.Doc()
const ytext = doc.getText('codemirror')
const connectivity = createTransports(params.signaling)
const room = createRoom({
  name: params.room,
  doc,
  transports: connectivity.transports,
  maxNeighbours: params.maxNeighbours,
  ...(params.secret === undefined ? {} : { secret: params.secret }),
})
room.awareness.setLocalStateField('user', user)
room.awareness.setLocalStateField('peer', room.peerId)
// Member metadata (gossiped with membership, kept with the identity) and a health check that
// every member sees: a hidden tab is throttled by the browser, so it says so.
room.setMeta({ role: params.role, name: user.name })
room.health.addCheck('tab', () => (document.visibilityState === 'visible' ? true : { status: 'warn', output: 'tab hidden (throttled)' }), { intervalMs: 5000 })

const byId = (id: string): HTMLElement => {
  const node = document.getElementById(id)
  if (node === null) throw new Error(`#${id} is missing from index.html`)
  return node
}
const editor = createEditor({ parent: byId('editor'), ytext, awareness: room.awareness, roomName: params.room })
const handle: GossamerHandle = {
  room,
  doc,
  ytext,
  editor,
  webrtc: connectivity.webrtc,
  maxNeighbours: params.maxNeighbours,
  peakNeighbours: 0,
  errors: [],
}
window.gossamer = handle

const linkTransports = new Map<string, string>()
room.on('peer:join', ({ peerId, transport }) => {
  linkTransports.set(peerId, transport)
  handle.peakNeighbours = Math.max(handle.peakNeighbours, room.neighbours().length)
})
room.on('peer:leave', ({ peerId }) => {
  if (!room.neighbours().includes(peerId)) linkTransports.delete(peerId)
})
room.on('error', ({ error, peerId }) => {
  const from = peerId ?? (error as { peerId?: unknown }).peerId
  handle.errors.push(`${error.name}: ${error.message}${typeof from === 'string' ? ` (peer ${from.slice(0, 8)})` : ''}`)
  console.warn('gossamer:', error)
})

byId('room-name').textContent = params.room
const me = byId('me')
const swatch = document.createElement('span')
swatch.className = 'dot'
swatch.style.background = user.color
me.append(swatch, document.createTextNode(user.name))
keepColourDistinct(room.awareness, user, ({ color }) => {
  swatch.style.background = color
})
document.title = `${params.room} · Gossamer`

editor.focus()
mountPanel({
  parent: byId('panel'),
  room,
  user,
  maxNeighbours: params.maxNeighbours,
  transports: linkTransports,
  status: () => ({ signaling: connectivity.signalingState(), signalingUrl: params.signaling.join(', ') }),
})

// Leave politely, so the others drop our cursor at once instead of after a timeout.
addEventListener('pagehide', () => room.destroy())
// A page restored from the back-forward cache has a closed room: start afresh.
addEventListener('pageshow', (event) => {
  if (event.persisted) location.reload()
})
