/**
 * The collaborative editor: one Y.Text in a Gossamer room, edited through CodeMirror 6.
 * Tabs of one browser sync over BroadcastChannel; other browsers and Node peers over WebRTC,
 * introduced by the signaling server named in `?signal=`.
 */
import './style.css'
import * as Y from 'yjs'
import { createRoom, type Room } from '@gossamer/core'
import { createEditor } from './editor.js'
import { pickIdentity } from './identity.js'
import { mountPanel } from './panel.js'
import { readParams } from './params.js'
import { createTransports } from './transports.js'

/** What the page exposes on `window.gossamer`, for tests and for poking around in devtools. */
export interface GossamerHandle {
  room: Room
  doc: Y.Doc
  ytext: Y.Text
  /** The room's active-view cap. */
  maxNeighbours: number
  /** The most neighbours this page ever had at once. */
  peakNeighbours: number
  /** Every error the room reported, as text. */
  errors: string[]
}

declare global {
  interface Window {
    gossamer: GossamerHandle
  }
}

const params = readParams(location.search)
const user = pickIdentity(params.name)
const doc = new Y.Doc()
const ytext = doc.getText('codemirror')
const connectivity = createTransports(params.signaling)
const room = createRoom({ name: params.room, doc, transports: connectivity.transports, maxNeighbours: params.maxNeighbours })
room.awareness.setLocalStateField('user', user)
room.awareness.setLocalStateField('peer', room.peerId)

const handle: GossamerHandle = { room, doc, ytext, maxNeighbours: params.maxNeighbours, peakNeighbours: 0, errors: [] }
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
  handle.errors.push(`${peerId ?? '-'}: ${error.name}: ${error.message}`)
  console.warn('gossamer:', error, peerId ?? '')
})

const byId = (id: string): HTMLElement => {
  const node = document.getElementById(id)
  if (node === null) throw new Error(`#${id} is missing from index.html`)
  return node
}
byId('room-name').textContent = params.room
const me = byId('me')
const swatch = document.createElement('span')
swatch.className = 'dot'
swatch.style.background = user.color
me.append(swatch, document.createTextNode(user.name))
document.title = `${params.room} · Gossamer`

const view = createEditor({ parent: byId('editor'), ytext, awareness: room.awareness, roomName: params.room })
view.focus()
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
