/**
 * Helpers of the tests of fast writers (fast-writer, fast-presence, relay-load,
 * presence-relay-load): a loop that makes one change per turn of the event loop, a wait for a
 * text to reach a length or for cursors to show, and a writer with its one reader.
 */
import * as Y from 'yjs'
import type { Awareness } from 'y-protocols/awareness'
import { createRoom, memoryNetwork, seededRandom, type ErrorEvent, type Room } from '../../src/index.js'

/** Calls `change(i)` for i = 0 … count − 1, one call per turn of the event loop. */
export async function eachTurn(count: number, change: (i: number) => void): Promise<void> {
  for (let i = 0; i < count; i++) {
    change(i)
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/** Resolves once `doc`'s text `t` has `length` characters (checked after each of its updates). */
export function textLength(doc: Y.Doc, length: number): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (doc.getText('t').length < length) return
      doc.off('update', check)
      resolve()
    }
    doc.on('update', check)
    check()
  })
}

/**
 * A writer and a reader in one room on a fresh memory network, linked to each other alone,
 * with a room `secret` or without; both are pushed to `rooms` (closed after the test) and
 * their error events collected in `errors`. Resolves once both are synced.
 */
export async function writerAndReader(rooms: Room[], options: { name: string; seed: number; secret?: string; presence?: boolean }) {
  const network = memoryNetwork({ random: seededRandom(options.seed) })
  const errors: ErrorEvent[] = []
  const make = (seed: number): Room => {
    const room = createRoom({ name: options.name, doc: new Y.Doc(), transports: [network.transport()], random: seededRandom(seed), presence: options.presence ?? true, maxNeighbours: 1, minNeighbours: 1, ...(options.secret === undefined ? {} : { secret: options.secret }) })
    room.on('error', (e) => errors.push(e))
    rooms.push(room)
    return room
  }
  const writer = make(1)
  const reader = make(2)
  await Promise.all([writer.whenSynced(), reader.whenSynced()])
  return { writer, reader, errors }
}

/** Resolves once `awareness` shows every client of `cursors` at its cursor (checked after each change). */
export function cursorsAt(awareness: Awareness, cursors: Map<number, number>): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      const states = awareness.getStates()
      for (const [client, cursor] of cursors) if ((states.get(client) as { cursor?: number } | undefined)?.cursor !== cursor) return
      awareness.off('change', check)
      resolve()
    }
    awareness.on('change', check)
    check()
  })
}
