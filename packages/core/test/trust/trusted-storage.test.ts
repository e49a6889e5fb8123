/**
 * Rooms with a secret and storage: the identity persists per room (its key sealed in an
 * identity slot), the signed chains are stored and served after a restart, a key released
 * dirty never signs again, and edits made before the load keep the fresh identity.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  createRoom,
  faultyStorage,
  memoryNetwork,
  memoryStorage,
  peerIdFromPublicKey,
  seededRandom,
  VirtualClock,
  type ErrorEvent,
  type Room,
  type RoomOptions,
  type StorageAdapter,
} from '../../src/index.js'
import { decodeChainRecord } from '../../src/storage/chain-record.js'

const SECRET = 'q3JxVbq8m2JrQ5fTn0sYl7cE1dH4kP9wZ6uA2bX8vN0'
const ROOM = 'kept'

let rooms: Room[] = []
afterEach(async () => {
  await Promise.all(rooms.map((r) => r.close()))
  rooms = []
})

const allErrors: string[] = []

function open(storage: StorageAdapter | undefined, extra: Partial<RoomOptions> = {}): { room: Room; errors: ErrorEvent[] } {
  const room = createRoom({ name: ROOM, doc: new Y.Doc(), transports: [], secret: SECRET, presence: false, ...(storage === undefined ? {} : { storage }), ...extra })
  const errors: ErrorEvent[] = []
  room.on('error', (e) => {
    errors.push(e)
    allErrors.push(`${room.peerId.slice(0, 6)}: ${e.error.name} ${e.error.message}`)
  })
  rooms.push(room)
  return { room, errors }
}

const text = (room: Room): string => room.doc.getText('t').toString()

/** The stored chain entries, per author peer id: the seqs held (from every record). */
async function storedChains(storage: StorageAdapter): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>()
  for (const chunk of await storage.loadRange(['gossamer', ROOM, 'chain'])) {
    const run = decodeChainRecord(chunk.data)
    const author = peerIdFromPublicKey(run.author)
    const seqs = out.get(author) ?? []
    run.entries.forEach((_, i) => seqs.push(run.from + i))
    out.set(author, [...new Set(seqs)].sort((a, b) => a - b))
  }
  return out
}

/** Runs the virtual clock until `done()` holds (bounded). */
async function until(clock: VirtualClock, done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await clock.advance(100)
  if (!done()) throw new Error(`gave up waiting for ${what}: ${rooms.map((r) => `${r.peerId.slice(0, 6)} ${JSON.stringify(text(r))} ${r.neighbours().length}`).join('; ')}\n${allErrors.join('\n')}`)
}

describe('a room with a secret and storage', () => {
  it('reopens with the same peer id and clientID, and its chain continues where it stopped', async () => {
    const storage = memoryStorage()
    const { room: first, errors } = open(storage)
    await first.whenLoaded()
    first.doc.getText('t').insert(0, 'hello')
    first.doc.getText('t').insert(5, '!')
    await first.flush()
    const { peerId } = first
    const clientID = first.doc.clientID
    expect((await storedChains(storage)).get(peerId)).toEqual([1, 2])
    await first.close()

    const { room: second, errors: errors2 } = open(storage)
    await second.whenLoaded()
    expect(second.peerId).toBe(peerId)
    expect(second.doc.clientID).toBe(clientID)
    expect(text(second)).toBe('hello!')
    second.doc.getText('t').insert(5, ' world')
    await second.flush()
    // Entry 3 continues the same chain (its head builds on entries 1 and 2, restored from disk).
    expect((await storedChains(storage)).get(peerId)).toEqual([1, 2, 3])
    await second.close()
    expect([...errors, ...errors2]).toEqual([])
  })

  it('serves what it loaded from disk: a peer that joins later gets it through its signature checks', async () => {
    const storage = memoryStorage()
    const clock = new VirtualClock()
    const network = memoryNetwork({ clock, random: seededRandom(3), latency: { min: 5, max: 20 } })
    const common = { clock, roundMs: 200 }
    // A writer that is gone by the time the others come: only the reopened peer has its content.
    const { room: gone } = open(undefined, { ...common, transports: [network.transport()], random: seededRandom(1) })
    const { room: first } = open(storage, { ...common, transports: [network.transport()], random: seededRandom(2) })
    await Promise.all([gone.whenLoaded(), first.whenLoaded()])
    gone.doc.getText('t').insert(0, 'from a peer that left. ')
    await until(clock, () => text(first) === 'from a peer that left. ', 'the first edit to arrive')
    first.doc.getText('t').insert(0, 'Mine. ')
    await first.flush()
    const stored = await storedChains(storage)
    expect(stored.get(gone.peerId)).toEqual([1])
    await Promise.all([gone.close(), first.close()])

    // A new network: nobody who saw the first session is there; the late joiner comes with the reopened peer.
    const fresh = memoryNetwork({ clock, random: seededRandom(6), latency: { min: 5, max: 20 } })
    const { room: reopened, errors } = open(storage, { ...common, transports: [fresh.transport()], random: seededRandom(4) })
    const { room: late, errors: lateErrors } = open(undefined, { ...common, transports: [fresh.transport()], random: seededRandom(5) })
    await Promise.all([reopened.whenLoaded(), late.whenLoaded()])
    expect(reopened.peerId).toBe(first.peerId)
    await until(clock, () => text(late) === text(reopened), 'the late joiner to receive the stored content')
    expect(text(late)).toBe('Mine. from a peer that left. ')
    expect(late.stats().framesRejected).toBe(0)
    // And the reopened peer's chain continues: the late joiner accepts its next edit.
    reopened.doc.getText('t').insert(0, 'Again. ')
    await until(clock, () => text(late) === text(reopened), 'a new edit of the reopened peer')
    expect([...errors, ...lateErrors]).toEqual([])
  })

  it('a key released dirty (the process died) never signs again: the next open takes a fresh identity and still serves the old chain', async () => {
    const inner = memoryStorage()
    const clock = new VirtualClock()
    const disk = faultyStorage(inner)
    const { room: dying } = open(disk, { clock })
    await dying.whenLoaded()
    dying.doc.getText('t').insert(0, 'before the crash')
    await dying.flush()
    const deadId = dying.peerId
    disk.crash() // from here on nothing reaches the disk: the key stays marked dirty, the lease stays
    await dying.close()
    await clock.advance(60_000) // the dead writer's lease expires

    const { room: next, errors } = open(inner, { clock })
    await next.whenLoaded()
    expect(text(next)).toBe('before the crash')
    expect(next.peerId).not.toBe(deadId)
    expect(next.doc.clientID).not.toBe(dying.doc.clientID)
    // The old chain is still on disk for serving; the slot now holds the new key.
    expect((await storedChains(inner)).get(deadId)).toEqual([1])
    next.doc.getText('t').insert(0, 'after. ')
    await next.flush()
    await next.close()
    expect((await storedChains(inner)).get(next.peerId)).toEqual([1])
    expect(errors).toEqual([])

    // Released clean this time: the next open adopts it.
    const { room: third } = open(inner, { clock })
    await third.whenLoaded()
    expect(third.peerId).toBe(next.peerId)
  })

  it('an edit made before whenLoaded() keeps the fresh identity (stored for next time)', async () => {
    const storage = memoryStorage()
    const { room: first } = open(storage)
    await first.whenLoaded()
    first.doc.getText('t').insert(0, 'one')
    await first.close()

    const { room: eager, errors } = open(storage)
    const fresh = eager.peerId
    eager.doc.getMap('m').set('early', true) // before the stored document is in
    await eager.whenLoaded()
    expect(eager.peerId).toBe(fresh)
    expect(eager.peerId).not.toBe(first.peerId)
    expect(text(eager)).toBe('one')
    expect(eager.doc.getMap('m').get('early')).toBe(true)
    await eager.close()
    expect(errors).toEqual([])
    const chains = await storedChains(storage)
    expect(chains.get(first.peerId)).toEqual([1])
    expect(chains.get(fresh)).toEqual([1])

    const { room: patient } = open(storage)
    await patient.whenLoaded()
    expect(patient.peerId).toBe(fresh)
    expect(patient.doc.getMap('m').get('early')).toBe(true)
  })

  it('two rooms open at once on one store get two identities; each gets its own back', async () => {
    const storage = memoryStorage()
    const { room: a } = open(storage)
    const { room: b } = open(storage)
    await Promise.all([a.whenLoaded(), b.whenLoaded()])
    expect(a.peerId).not.toBe(b.peerId)
    const ids = new Set([a.peerId, b.peerId])
    await Promise.all([a.close(), b.close()])
    const { room: c } = open(storage)
    const { room: d } = open(storage)
    await Promise.all([c.whenLoaded(), d.whenLoaded()])
    expect(new Set([c.peerId, d.peerId])).toEqual(ids)
  })

  it('writes a signed edit and its chain entry in one transaction, and the next writer compacts the records a dead writer left', async () => {
    // Edits of one synchronous burst share a signature and a chain record: each edit here
    // is its own burst, so the chain records pass the compaction threshold (256).
    const EDITS = 300
    const storage = memoryStorage()
    const clock = new VirtualClock()
    const writes: string[] = []
    const counted = faultyStorage(storage, { onOperation: (op) => void (op.method !== 'load' && op.method !== 'loadRange' && writes.push(op.method)) })
    const { room: dying } = open(counted, { clock })
    await dying.whenLoaded()
    const before = writes.length
    for (let i = 0; i < EDITS; i++) {
      dying.doc.getText('t').insert(i, 'x')
      await dying.flush()
    }
    await dying.flush()
    // At most one write per edit (the document update and its chain entry go together), a few compaction steps aside.
    expect(writes.length - before).toBeLessThanOrEqual(EDITS + 10)
    const records = async (): Promise<number> => (await storage.loadRange(['gossamer', ROOM, 'chain'])).length
    expect(await records()).toBeGreaterThan(256)
    // The writer dies (never closes); the next one compacts what it left.
    const { room: second } = open(storage, { clock })
    await second.whenLoaded()
    await second.close()
    const { room: next, errors } = open(storage, { clock })
    await next.whenLoaded()
    expect(text(next)).toBe('x'.repeat(EDITS))
    expect(await records()).toBeLessThanOrEqual(2)
    expect((await storedChains(storage)).get(dying.peerId)).toEqual(Array.from({ length: EDITS }, (_, i) => i + 1))
    expect(errors).toEqual([])
  })

  it('content the stored document holds without a signed chain is reported once, and stays local', async () => {
    const storage = memoryStorage()
    const doc = new Y.Doc()
    doc.getText('t').insert(0, 'written before the room had a secret')
    const { room, errors } = open(storage, { doc })
    await room.whenLoaded()
    expect(errors.map((e) => e.error.name)).toEqual(['UnsignedContentError'])
    await room.close()
  })

  it('a reader keeps its identity across reopenings even though its own edits stay local', async () => {
    const { generateIdentity } = await import('../../src/index.js')
    const writer = await generateIdentity({ extractable: true })
    const storage = memoryStorage()
    const { room: first, errors } = open(storage, { writers: [writer.peerId] })
    await first.whenLoaded()
    first.doc.getText('t').insert(0, 'a local note')
    await first.close()
    expect(errors.map((e) => e.error.name)).toEqual(['ReadOnlyError'])
    const { room: second, errors: errors2 } = open(storage, { writers: [writer.peerId] })
    await second.whenLoaded()
    expect(second.peerId).toBe(first.peerId)
    expect(text(second)).toBe('a local note')
    // Its note has no chain: it is reported, and stays on this peer.
    expect(errors2.map((e) => e.error.name)).toEqual(['UnsignedContentError'])
  })

  it('an identity the app gives is used as is and its chain still continues across reopenings', async () => {
    const { generateIdentity } = await import('../../src/index.js')
    const identity = await generateIdentity({ extractable: true })
    const storage = memoryStorage()
    const { room: first } = open(storage, { identity })
    await first.whenLoaded()
    first.doc.getText('t').insert(0, 'a')
    await first.close()
    const { room: second, errors } = open(storage, { identity })
    await second.whenLoaded()
    expect(second.peerId).toBe(identity.peerId)
    second.doc.getText('t').insert(1, 'b')
    await second.flush()
    expect((await storedChains(storage)).get(identity.peerId)).toEqual([1, 2])
    expect(errors).toEqual([])
    expect((await storage.loadRange(['gossamer', ROOM, 'identity-key'])).length).toBe(0)
  })
})
