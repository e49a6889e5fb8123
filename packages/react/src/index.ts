/**
 * @packageDocumentation
 * React hooks for Gossamer: a room per component tree (`useRoom`), the document and its
 * shared types (`useYText`, `useYMap`, `useYArray`, `useShared`, `useYDoc`), presence
 * (`usePresence`), neighbours (`usePeers`) and connection state (`useStatus`). Every hook
 * that reads re-renders through `useSyncExternalStore` and accepts `null` while the room is
 * being made.
 *
 * @example
 * ```tsx
 * import * as Y from 'yjs'
 * import { memoryNetwork } from '@gossamer/core'
 * import { useRoom, useYText, useStatus } from '@gossamer/react'
 *
 * const network = memoryNetwork()
 *
 * function Note({ name }: { name: string }) {
 *   const room = useRoom(() => ({ name, doc: new Y.Doc(), transports: [network.transport()] }), [name])
 *   const text = useYText(room, 'body')
 *   const { connected } = useStatus(room)
 *   return <p>{connected ? 'online' : 'offline'}: {text}</p>
 * }
 * ```
 */
export { useRoom } from './use-room.js'
export { useShared, useYText, useYMap, useYArray, useYDoc } from './use-shared.js'
export type { SharedType, YDocSnapshot } from './use-shared.js'
export { usePresence } from './use-presence.js'
export type { Presence, RemotePresence, UsePresenceOptions } from './use-presence.js'
export { usePeers } from './use-peers.js'
export { useStatus } from './use-status.js'
export type { RoomStatus } from './use-status.js'
export type { DocSource } from './doc-source.js'
