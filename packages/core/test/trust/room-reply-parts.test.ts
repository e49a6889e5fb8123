/**
 * Replies in parts in live rooms with a secret: a joiner of a document larger than the room's
 * `updateBytes` gets it in SyncPart frames, every part checked on its own; a writer that
 * closed and opened again from storage still cuts its replies at the same split points.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createRoom, memoryNetwork, memoryStorage, seededRandom, type ErrorEvent, type MemoryNetwork, type Room, type StorageAdapter } from '../../src/index.js'
import { decodeChainRecord } from '../../src/storage/chain-record.js'
import { liveRooms } from '../support/live-rooms.js'

const SECRET = 'q3JxVbq8m2JrQ5fTn0sYl7cE1dH4kP9wZ6uA2bX8vN0'
const ROOM = 'parts'
const PART_BYTES = 16 * 1024

const { rooms } = liveRooms()

function room(network: MemoryNetwork, seed: number, errors: ErrorEvent[], storage?: StorageAdapter): Room {
  const r = createRoom({
    name: ROOM,
    doc: new Y.Doc(),
    transports: [network.transport()],
    secret: SECRET,
    random: seededRandom(seed),
    roundMs: 100,
    presence: false,
    limits: { updateBytes: PART_BYTES },
    ...(storage === undefined ? {} : { storage }),
  })
  r.on('error', (e) => errors.push(e))
  rooms.push(r)
  return r
}

const text = (r: Room): string => r.doc.getText('t').toString()

/** Types `count` keystrokes at random places, in bursts of 8 signed one after another. */
async function type(r: Room, count: number, seed: number): Promise<void> {
  const t = r.doc.getText('t')
  const random = seededRandom(seed)
  for (let i = 0; i < count; i += 8) {
    for (let j = i; j < Math.min(count, i + 8); j++) t.insert(Math.floor(random.next() * (t.length + 1)), String.fromCharCode(97 + (j % 26)))
    await r.flush()
  }
}

describe('replies in parts in a room with a secret', () => {
  it('a joiner gets a document larger than updateBytes in parts; a writer reopened from storage still serves it in parts', async () => {
    const network = memoryNetwork({ random: seededRandom(4) })
    const errors: ErrorEvent[] = []
    const storage = memoryStorage()
    const writer = room(network, 1, errors, storage)
    await writer.whenLoaded()
    await type(writer, 4000, 9)
    expect(Y.encodeStateAsUpdate(writer.doc).byteLength).toBeGreaterThan(PART_BYTES)

    const joiner = room(network, 2, errors)
    await joiner.whenSynced()
    expect(text(joiner)).toBe(text(writer))
    expect(joiner.stats().syncPartsReceived).toBeGreaterThan(2)
    expect(writer.stats().syncPartsSent).toBe(joiner.stats().syncPartsReceived)
    await joiner.close()

    // Closed, the writer's chain is compacted into records that end at its split points.
    await writer.close()
    const records = (await storage.loadRange(['gossamer', ROOM, 'chain'])).map((chunk) => decodeChainRecord(chunk.data))
    expect(records.length).toBeGreaterThan(4)

    const reopened = room(network, 3, errors, storage)
    await reopened.whenLoaded()
    expect(text(reopened)).toBe(text(writer))
    const second = room(network, 4, errors)
    await second.whenSynced()
    expect(text(second)).toBe(text(reopened))
    expect(second.stats().syncPartsReceived).toBeGreaterThan(2)
    expect(errors.map((e) => `${e.error.name}: ${e.error.message}`)).toEqual([])
  })
})
