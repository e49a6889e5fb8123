/**
 * The crash property for a room with a secret: a session reopens a store (adopting the key
 * its predecessor released clean), makes a seeded history of edits and flushes, and closes;
 * for EVERY step k of its adapter calls, the process "dies" there (faultyStorage). The
 * restart must load without anything corrupt, hold every edit whose flush() resolved, and
 * keep the clean rule: if it signs with the crashed session's key, the store holds every
 * entry that session signed (else the restart would sign a different entry under a number
 * peers may have seen). Runs in plaintext and with `encryptStorage`; failures name their
 * seed and step.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  createRoom,
  faultyStorage,
  memoryStorage,
  peerIdFromPublicKey,
  randomInt,
  seededRandom,
  VirtualClock,
  type ErrorEvent,
  type RandomSource,
  type StorageAdapter,
} from '../../src/index.js'
import { decodeChainRecord } from '../../src/storage/chain-record.js'
import { openBlob } from '../../src/storage/sealed-storage.js'
import { deriveRoomKeys } from '../../src/index.js'

const SECRET = 'q3JxVbq8m2JrQ5fTn0sYl7cE1dH4kP9wZ6uA2bX8vN0'
const ROOM = 'crash-trusted'

type Op = 'edit' | 'flush' | 'tick'

function script(random: RandomSource, length: number): Op[] {
  return [...Array.from({ length }, (): Op => (random.next() < 0.6 ? 'edit' : random.next() < 0.7 ? 'flush' : 'tick')), 'flush']
}

async function copy(from: StorageAdapter): Promise<StorageAdapter> {
  const to = memoryStorage()
  const chunks = await from.loadRange([])
  if (chunks.length > 0) await to.batch(chunks.map((c) => ({ type: 'save' as const, key: c.key, data: c.data })))
  return to
}

interface Session {
  peerId: string
  /** The document as of the last flush() that resolved. */
  durable: Uint8Array | undefined
  /** Local edits made (each one entry of this session's chain). */
  edits: number
  errors: ErrorEvent[]
}

/** One session on `storage`: open, run `ops`, close. */
async function session(storage: StorageAdapter, clock: VirtualClock, encryptStorage: boolean, ops: readonly Op[], seed: number): Promise<Session> {
  const room = createRoom({ name: ROOM, doc: new Y.Doc(), transports: [], secret: SECRET, encryptStorage, storage, clock, presence: false, random: seededRandom(seed) })
  const errors: ErrorEvent[] = []
  room.on('error', (e) => errors.push(e))
  await room.whenLoaded()
  const random = seededRandom(seed)
  const text = room.doc.getText('t')
  let durable: Uint8Array | undefined
  let edits = 0
  for (const [i, op] of ops.entries()) {
    if (op === 'edit') {
      text.insert(randomInt(random, text.length + 1), `w${i} `)
      edits++
    } else if (op === 'tick') await new Promise<void>((resolve) => setImmediate(resolve))
    else {
      const state = Y.encodeStateAsUpdate(room.doc)
      if (await room.flush().then(() => true, () => false)) durable = state
    }
  }
  const { peerId } = room
  await room.close()
  return { peerId, durable, edits, errors }
}

/** The seqs of `peerId`'s chain in the store (opening sealed records with `keys`). */
async function storedSeqs(storage: StorageAdapter, peerId: string, encrypted: boolean): Promise<number[]> {
  const keys = await deriveRoomKeys({ room: ROOM, secret: SECRET })
  const seqs = new Set<number>()
  for (const chunk of await storage.loadRange(['gossamer', ROOM, 'chain'])) {
    const data = encrypted ? await openBlob(keys, chunk.key, chunk.data) : chunk.data
    const run = decodeChainRecord(data)
    if (peerIdFromPublicKey(run.author) !== peerId) continue
    run.entries.forEach((_, i) => seqs.add(run.from + i))
  }
  return [...seqs].sort((a, b) => a - b)
}

function holds(doc: Y.Doc, update: Uint8Array): boolean {
  const probe = new Y.Doc()
  Y.applyUpdate(probe, Y.encodeStateAsUpdate(doc))
  const before = Y.snapshot(probe)
  Y.applyUpdate(probe, update)
  return Y.equalSnapshots(before, Y.snapshot(probe))
}

describe('crash property of a room with a secret', () => {
  it.each([
    [11, false],
    [12, true],
    [13, false],
  ])('seed %i (encryptStorage %s): a crash at every step loses no flushed edit and never reuses a key that signed more than is stored', async (seed, encrypted) => {
    const random = seededRandom(seed)
    const clock = new VirtualClock()
    // Session 0 leaves a key released clean, with a chain of its own.
    const base = memoryStorage()
    const zero = await session(base, clock, encrypted, ['edit', 'edit', 'flush'], seed * 10)
    const ops = script(random, 12 + randomInt(random, 8))
    const counting = faultyStorage(await copy(base))
    const complete = await session(counting, clock, encrypted, ops, seed)
    expect(complete.peerId, `seed ${seed}: session 1 adopts session 0's key`).toBe(zero.peerId)
    const steps = counting.steps
    expect(steps).toBeGreaterThan(10)

    let reused = 0
    let replaced = 0
    for (let k = 0; k <= steps; k++) {
      const context = `seed ${seed}, failAt ${k} of ${steps}`
      const disk = await copy(base)
      const crashed = await session(faultyStorage(disk, { failAt: k }), clock, encrypted, ops, seed)
      await clock.advance(60_000) // the crashed session's lease expires
      const restart = createRoom({ name: ROOM, doc: new Y.Doc(), transports: [], secret: SECRET, encryptStorage: encrypted, storage: disk, clock, presence: false })
      const errors: ErrorEvent[] = []
      restart.on('error', (e) => errors.push(e))
      await restart.whenLoaded()
      expect(errors.filter((e) => e.error.name !== 'UnsignedContentError').map((e) => `${e.error.name}: ${e.error.message}`), context).toEqual([])
      if (crashed.durable !== undefined) expect(holds(restart.doc, crashed.durable), `${context}: a flushed edit was lost`).toBe(true)
      if (restart.peerId !== crashed.peerId) replaced++
      else {
        reused++
        // The key signs again: every entry it ever signed must be on disk, in order.
        const signed = (crashed.peerId === zero.peerId ? zero.edits : 0) + crashed.edits
        expect(await storedSeqs(disk, crashed.peerId, encrypted), `${context}: a reused key's chain`).toEqual(Array.from({ length: signed }, (_, i) => i + 1))
        restart.doc.getText('t').insert(0, '!')
        await restart.flush()
        expect((await storedSeqs(disk, crashed.peerId, encrypted)).length, context).toBe(signed + 1)
      }
      await restart.close()
    }
    // Both outcomes happen: crashes before the clean mark (a fresh key) and after it (the key goes on).
    expect([reused > 0, replaced > 0], `seed ${seed}: ${reused} reused, ${replaced} replaced`).toEqual([true, true])
  }, 120_000)
})
