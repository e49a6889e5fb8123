// A React component on @gossamer/react, type-checked with the automatic JSX runtime.
import * as Y from 'yjs'
import { memoryNetwork } from '@gossamer/core'
import { usePeers, usePresence, useRoom, useYMap } from '@gossamer/react'

const network = memoryNetwork()

export function Board({ name }: { name: string }) {
  const room = useRoom(() => ({ name, doc: new Y.Doc(), transports: [network.transport()] }), [name])
  const cards = useYMap<string>(room, 'cards')
  const peers = usePeers(room)
  const { remote, setLocalField } = usePresence<{ user: string }>(room)
  return (
    <ul onClick={() => setLocalField('user', 'Ada')}>
      {Object.entries(cards).map(([id, title]) => (
        <li key={id}>{title}</li>
      ))}
      <li>{peers.length} peers, {remote.length} present</li>
    </ul>
  )
}
