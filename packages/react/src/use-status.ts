/**
 * `useStatus`: whether the room is connected and synced, in the shape y-webrtc apps know.
 */
import type { Room } from '@gossamer/core'
import { useVersioned, type Attach } from './version-store.js'

/** What {@link useStatus} returns. */
export interface RoomStatus {
  /** The room is on the network (`room.connected`: after `connect()`, until `disconnect()`). */
  connected: boolean
  /** The room completed a full exchange with a peer since it last connected (`room.synced`). */
  synced: boolean
  /** The room was closed. */
  closed: boolean
}

const NO_ROOM: RoomStatus = Object.freeze({ connected: false, synced: false, closed: false })

/** Listens to every room event that can change the status. */
function attachStatus(room: Room): Attach {
  return (onChange) => {
    const offs = [room.on('status', onChange), room.on('synced', onChange)]
    return () => offs.forEach((off) => off())
  }
}

function readStatus(room: Room): RoomStatus {
  return { connected: !room.closed && room.connected, synced: room.synced, closed: room.closed }
}

/**
 * `{ connected, synced, closed }` of a room, re-rendered when it changes: `connected`
 * follows `room.connected` and the `status` event (`connect()` / `disconnect()`), `synced`
 * follows `room.synced` and the `synced` event. For the number of peers, see `usePeers`.
 *
 * @example
 * ```ts
 * const { connected, synced } = useStatus(room)
 * ```
 */
export function useStatus(room: Room | null | undefined): RoomStatus {
  return useVersioned(room, room === null || room === undefined ? undefined : attachStatus(room), () =>
    room === null || room === undefined ? NO_ROOM : readStatus(room),
  )
}
