/**
 * The event emitter of a room: a listener that throws becomes a `ListenerError` on the
 * room's `error` event (an `error` listener that throws is logged), so no listener ever
 * breaks the room or the sync loop.
 */
import { Emitter } from './emitter.js'
import { ListenerError } from './errors.js'
import type { RoomEvents } from './room-types.js'

/** Creates the emitter of one room. */
export function roomEmitter(): Emitter<RoomEvents> {
  const emitter: Emitter<RoomEvents> = new Emitter<RoomEvents>((error, event) => {
    if (event === 'error') {
      console.error('gossamer: an error listener threw', error)
      return
    }
    emitter.emit('error', { error: new ListenerError(`a "${event}" listener threw`, { cause: error }) })
  })
  return emitter
}
