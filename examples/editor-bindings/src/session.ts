/**
 * What both editor pages share: the room (BroadcastChannel for tabs of this browser, WebRTC
 * for everyone else), who this page is on the awareness (`user: { name, color }`, which
 * y-prosemirror reads and the Monaco page turns into cursor labels), a status line fed by
 * the room's `status`, `synced` and `peers` events, and `window.bindings` for tests.
 *
 * Query string: `?room=demo&name=Ada&signal=ws://127.0.0.1:4444&max=6`.
 */
import './style.css'
import * as Y from 'yjs'
import { broadcastChannel, createRoom, type Room } from '@gossamer/core'
import { webrtc, type WebRTCTransport } from '@gossamer/webrtc'

/** Which editor a page runs. */
export type EditorKind = 'prosemirror' | 'monaco'

/** What a page exposes on `window.bindings`. */
export interface BindingsHandle {
  kind: EditorKind
  room: Room
  doc: Y.Doc
  webrtc: WebRTCTransport
  /** The document as plain text, whichever editor. */
  text(): string
  /** The text the editor shows (its own view of the document). */
  shown(): string
  /** Every error the room reported, as text. */
  errors: string[]
}

declare global {
  interface Window {
    bindings: BindingsHandle
  }
}

/** A page's session. */
export interface Session {
  room: Room
  doc: Y.Doc
  user: { name: string; color: string }
  webrtc: WebRTCTransport
}

const COLOURS = ['#e5484d', '#f76b15', '#30a46c', '#0090ff', '#6e56cf', '#d6409f']

const byId = (id: string): HTMLElement => {
  const node = document.getElementById(id)
  if (node === null) throw new Error(`#${id} is missing`)
  return node
}

/** Opens the room named in the query string and shows its status. */
export function openSession(): Session {
  const query = new URLSearchParams(location.search)
  const signaling = query.getAll('signal').filter((url) => /^wss?:\/\//.test(url))
  const max = Number(query.get('max'))
  const name = (query.get('name') ?? '').trim().slice(0, 32) || `guest-${Math.floor(Math.random() * 1000)}`
  const room = query.get('room') ?? 'bindings'
  const rtc = webrtc({ signaling: signaling.length > 0 ? signaling : ['ws://127.0.0.1:4444'], iceServers: [] })
  const doc = new Y.Doc()
  const gossamerRoom = createRoom({
    name: room,
    doc,
    transports: [broadcastChannel(), rtc],
    ...(Number.isInteger(max) && max >= 1 && max <= 64 ? { maxNeighbours: max } : {}),
  })
  const user = { name, color: COLOURS[doc.clientID % COLOURS.length] ?? '#6e56cf' }
  gossamerRoom.awareness.setLocalStateField('user', user)
  byId('room').textContent = room
  byId('me').textContent = name
  byId('me').style.color = user.color
  const status = byId('status')
  const show = (): void => {
    const peers = gossamerRoom.neighbours().length
    status.textContent = `${gossamerRoom.connected ? 'online' : 'offline'}, ${gossamerRoom.synced ? 'synced' : 'not synced yet'}, ${peers} peer${peers === 1 ? '' : 's'}`
  }
  gossamerRoom.on('status', show)
  gossamerRoom.on('synced', show)
  gossamerRoom.on('peers', show)
  show()
  // Leave politely, so the others drop our cursor at once instead of after a timeout.
  addEventListener('pagehide', () => gossamerRoom.destroy())
  return { room: gossamerRoom, doc, user, webrtc: rtc }
}

/** Publishes the page's handle on `window.bindings`. */
export function publish(kind: EditorKind, session: Session, text: () => string, shown: () => string): void {
  const errors: string[] = []
  session.room.on('error', ({ error }) => {
    errors.push(`${error.name}: ${error.message}`)
    console.warn('gossamer:', error)
  })
  window.bindings = { kind, room: session.room, doc: session.doc, webrtc: session.webrtc, text, shown, errors }
}
