/**
 * The app: one shared note, who is here, and how this tab is connected. Everything it shows
 * comes from @gossamer/react hooks.
 */
import { broadcastChannel } from '@gossamer/core'
import { usePeers, usePresence, useRoom, useStatus, useYText } from '@gossamer/react'
import { webrtc } from '@gossamer/webrtc'
import { useEffect } from 'react'
import * as Y from 'yjs'
import { applyTextareaEdit } from './edit-text.js'
import type { NotesParams } from './params.js'

/** The presence state each tab publishes. */
interface Author {
  name: string
}

/** Keeps only remote states that carry a name (remote peers can send anything). */
function parseAuthor(state: unknown): Author | undefined {
  const name = (state as { name?: unknown } | null)?.name
  return typeof name === 'string' ? { name: name.slice(0, 32) } : undefined
}

/** The page. */
export function App({ params }: { params: NotesParams }) {
  // The factory runs once per room: the transports are made inside it.
  const room = useRoom(
    () => ({
      name: params.room,
      doc: new Y.Doc(),
      transports: [broadcastChannel(), webrtc({ signaling: params.signaling, iceServers: [] })],
    }),
    [params.room],
  )
  const note = useYText(room, 'note')
  const peers = usePeers(room)
  const { connected, synced } = useStatus(room)
  const { remote, setLocalField } = usePresence<Author>(room, { parse: parseAuthor })
  useEffect(() => setLocalField('name', params.name), [setLocalField, params.name])

  return (
    <main className="notes">
      <header>
        <h1>Gossamer notes</h1>
        <span className={connected ? 'status on' : 'status'}>
          {room === null ? 'starting' : connected ? (synced ? 'connected, synced' : 'connected, syncing') : 'no peers yet'}
        </span>
      </header>
      <textarea
        aria-label="Shared note"
        value={note}
        disabled={room === null}
        placeholder="Type here; every tab in this room sees it."
        onChange={(event) => room !== null && applyTextareaEdit(room.doc.getText('note'), event.target.value)}
      />
      <footer>
        <span>
          you are <b>{params.name}</b> in room <code>{params.room}</code>
        </span>
        <span>
          {peers.length} neighbour{peers.length === 1 ? '' : 's'}; here too: {remote.map((r) => r.state.name).join(', ') || 'nobody yet'}
        </span>
      </footer>
    </main>
  )
}
