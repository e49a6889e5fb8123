/**
 * Checkpoints in live rooms with a secret: a joiner of a long document applies the author's
 * signed checkpoint before it checks the entries under it, ends synced with the whole chain,
 * and serves the checkpoint on to the next joiner once the author is gone.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createRoom, memoryNetwork, seededRandom, type ErrorEvent, type MemoryNetwork, type Room } from '../../src/index.js'
import { liveRooms } from '../support/live-rooms.js'

const SECRET = 'q3JxVbq8m2JrQ5fTn0sYl7cE1dH4kP9wZ6uA2bX8vN0'

const { rooms } = liveRooms()

function room(network: MemoryNetwork, seed: number, errors: ErrorEvent[]): Room {
  const r = createRoom({ name: 'checkpoints', doc: new Y.Doc(), transports: [network.transport()], secret: SECRET, random: seededRandom(seed), roundMs: 100, presence: false })
  r.on('error', (e) => errors.push(e))
  rooms.push(r)
  return r
}

const text = (r: Room): string => r.doc.getText('t').toString()

describe('checkpoints in a room with a secret', () => {
  it('a joiner sees a 600-edit document through the writer’s checkpoint, then holds and serves the whole chain', async () => {
    const network = memoryNetwork({ random: seededRandom(3) })
    const errors: ErrorEvent[] = []
    const writer = room(network, 1, errors)
    await writer.whenLoaded()
    const t = writer.doc.getText('t')
    const random = seededRandom(5)
    for (let i = 0; i < 600; i++) t.insert(Math.floor(random.next() * (t.length + 1)), String.fromCharCode(97 + (i % 26)))
    await writer.flush()

    const joiner = room(network, 2, errors)
    await joiner.whenSynced()
    expect(text(joiner)).toBe(text(writer))
    expect(joiner.stats().checkpointsApplied).toBe(1)
    expect(writer.stats().checkpointsApplied).toBe(0)

    // The writer leaves; the next joiner gets the checkpoint from the first.
    await writer.close()
    const second = room(network, 3, errors)
    await second.whenSynced()
    expect(text(second)).toBe(text(joiner))
    expect(second.stats().checkpointsApplied).toBe(1)
    expect(errors.map((e) => `${e.error.name}: ${e.error.message}`)).toEqual([])
  })
})
