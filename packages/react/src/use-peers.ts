/**
 * `usePeers`: the room's current neighbours.
 */
import type { PeerId, Room } from '@gossamer/core'
import { useVersioned } from './version-store.js'

/**
 * The ids of the peers this room is connected to right now (its neighbours, at most
 * `maxNeighbours`), re-rendered on `peer:join` and `peer:leave`. `[]` while there is no room.
 *
 * @example
 * ```ts
 * const peers = usePeers(room)
 * return `${peers.length} connected`
 * ```
 */
export function usePeers(room: Room | null | undefined): PeerId[] {
  return useVersioned(
    room,
    room === null || room === undefined
      ? undefined
      : (onChange) => {
          const offJoin = room.on('peer:join', onChange)
          const offLeave = room.on('peer:leave', onChange)
          return () => {
            offJoin()
            offLeave()
          }
        },
    () => (room === null || room === undefined || room.closed ? [] : room.neighbours()),
  )
}
