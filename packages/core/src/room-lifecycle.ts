/**
 * Small pieces of the room facade's construction, kept out of room.ts: its emitter (a
 * throwing listener becomes an `error` event), the room's {@link Persistence} for its storage option, what closes a room besides `close()` (its
 * document destroyed, its signal aborted), and the warning for a room without a secret on a
 * real network.
 */
import type * as Y from 'yjs'
import type { Clock } from './clock.js'
import { Emitter } from './emitter.js'
import { ListenerError } from './errors.js'
import { Persistence } from './persistence.js'
import type { RandomSource } from './random.js'
import type { RoomEvents, RoomOptions } from './room-types.js'
import type { Transport } from './transport.js'

/** What {@link roomPersistence} reports to. */
export interface PersistenceHost {
  room: string
  clock: Clock
  random: RandomSource
  persisted(records: number, bytes: number): void
  report(error: Error): void
}

/** The room's storage, or undefined without the `storage` option. */
export function roomPersistence(storage: RoomOptions['storage'], host: PersistenceHost): Persistence | undefined {
  if (storage === undefined) return undefined
  return new Persistence(storage, { room: host.room, clock: host.clock, random: host.random, onPersisted: (records, bytes) => host.persisted(records, bytes), onError: (error) => host.report(error) })
}

/** Closes the room when `doc` is destroyed or `signal` aborts. Returns the disposers of both hooks. */
export function closeWith(doc: Y.Doc, signal: AbortSignal | undefined, close: () => void): (() => void)[] {
  const onDocDestroy = (): void => close()
  doc.on('destroy', onDocDestroy)
  const disposers = [(): void => doc.off('destroy', onDocDestroy)]
  if (signal !== undefined) {
    if (signal.aborted) queueMicrotask(close)
    else signal.addEventListener('abort', close, { once: true })
    disposers.push(() => signal.removeEventListener('abort', close))
  }
  return disposers
}

/** Warns (once per room) when a room without a secret uses a transport that leaves the process. */
export function warnWithoutSecret(name: string, trusted: boolean, transports: readonly Transport[]): void {
  if (!trusted && transports.some((t) => t.name !== 'memory')) {
    console.warn(`gossamer: room "${name}" has no secret: anyone who learns its name can read and write it (see the secret option)`)
  }
}

/** The room's emitter: a listener that throws becomes an `error` event (and one in an `error` listener is logged). */
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
