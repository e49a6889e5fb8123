/**
 * Replies in parts in live rooms with a secret: a peer that was away and missed more than the
 * room's `updateBytes` gets it in SyncPart frames, every part checked on its own; a writer
 * that closed and opened again from storage (its split points restored from the records a
 * compaction cut at them) still serves it in parts.
 * (A joiner that holds nothing of an author gets that author's run whole, with its
 * checkpoint, while it fits the wire.)
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
const chainRecords = (adapter: StorageAdapter) => adapter.loadRange(['gossamer', ROOM, 'chain'])

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
  it('a peer that was away catches up on more than updateBytes in parts; a writer reopened from storage still serves in parts', async () => {
    const network = memoryNetwork({ random: seededRandom(4) })
    const errors: ErrorEvent[] = []
    const [kept, first, second] = [memoryStorage(), memoryStorage(), memoryStorage()]
    let writer = room(network, 1, errors, kept)
    await writer.whenLoaded()
    await type(writer, 40, 8)
    // Two peers hold the start of the writer's chain, then go away.
    for (const storage of [first, second]) {
      const peer = room(network, 2, errors, storage)
      await peer.whenSynced()
      expect(text(peer)).toBe(text(writer))
      await peer.close()
    }
    await type(writer, 4000, 9)
    expect(Y.encodeStateAsUpdate(writer.doc).byteLength).toBeGreaterThan(PART_BYTES)

    // Back: what it missed (no checkpoint: it holds the start of the chain) comes in parts.
    const back = room(network, 3, errors, first)
    await back.whenSynced()
    expect(text(back)).toBe(text(writer))
    expect(back.stats().syncPartsReceived).toBeGreaterThan(2)
    expect(writer.stats().syncPartsSent).toBe(back.stats().syncPartsReceived)
    await back.close()

    // Closed, the writer's chain is compacted into records that end at its split points.
    await writer.close()
    const records = (await chainRecords(kept)).map((chunk) => decodeChainRecord(chunk.data))
    expect(records.length).toBeGreaterThan(4)
    writer = room(network, 4, errors, kept)
    await writer.whenLoaded()
    expect(text(writer)).toBe(text(back))
    const later = room(network, 5, errors, second)
    await later.whenSynced()
    expect(text(later)).toBe(text(writer))
    expect(later.stats().syncPartsReceived).toBeGreaterThan(2)
    expect(errors.map((e) => `${e.error.name}: ${e.error.message}`)).toEqual([])
  })
})
