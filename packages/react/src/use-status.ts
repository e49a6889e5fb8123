/**
 * `useStatus`: whether the room is connected and synced, in the shape y-webrtc apps know.
 */
import type { Room } from '@gossamer/core'
import { useVersioned, type Attach } from './version-store.js'

/** What {@link useStatus} returns. */
export interface RoomStatus {
  /** The room has at least one neighbour (or says so through its `connected` getter). */
  connected: boolean
  /** The room completed a full exchange with a peer (`room.synced`). */
  synced: boolean
  /** The room was closed. */
  closed: boolean
}

const NO_ROOM: RoomStatus = Object.freeze({ connected: false, synced: false, closed: false })

/** The `connected` getter and `status` event of rooms that have them (y-webrtc's shape). */
interface StatusRoom {
  readonly connected: boolean
  on(event: 'status', listener: (payload: { connected: boolean }) => void): () => void
}

function hasStatus(room: Room): room is Room & StatusRoom {
  return typeof (room as Partial<StatusRoom>).connected === 'boolean'
}

/** Listens to every room event that can change the status. */
function attachStatus(room: Room): Attach {
  return (onChange) => {
    const offs = [
      room.on('synced', onChange),
      room.on('peer:join', onChange),
      room.on('peer:leave', onChange),
      hasStatus(room) ? room.on('status', onChange) : () => {},
    ]
    return () => offs.forEach((off) => off())
  }
}

/** Reads the status: the room's own `connected` when it has one, else "has a neighbour". */
function readStatus(room: Room): RoomStatus {
  if (room.closed) return { connected: false, synced: room.synced, closed: true }
  const connected = hasStatus(room) ? room.connected : room.neighbours().length > 0
  return { connected, synced: room.synced, closed: false }
}

/**
 * `{ connected, synced, closed }` of a room, re-rendered when it changes. Rooms with a
 * `connected` getter and a `status` event are read through them; others count neighbours
 * (`peer:join` / `peer:leave`). `synced` follows `room.synced` and the `synced` event.
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
