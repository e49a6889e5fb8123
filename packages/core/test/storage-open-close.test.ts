/**
 * Quick open/close never leaks identities: a room that is closed as soon as (or while) its
 * document loads releases every lease it took or was taking, and an unchanged open leaves
 * the store exactly as it was. Node has no Web Locks, so leases alone guard identities here.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { systemClock } from '../src/clock.js'
import { Persistence } from '../src/persistence.js'
import { seededRandom } from '../src/random.js'
import type { StorageAdapter, StorageChunk } from '../src/storage/adapter.js'
import { DocStore } from '../src/storage/doc-store.js'
import { faultyStorage, memoryStorage, type FaultyOperation } from '../src/storage/memory-adapter.js'

const ROOM = 'notes'
const WRITES = new Set(['save', 'remove', 'removeRange', 'batch'])

/** A store holding a 10,000-edit document (one snapshot after its writer closed) and one released identity. */
async function storeWithDocument(edits: number): Promise<{ disk: StorageAdapter; text: string }> {
  const disk = memoryStorage()
  const store = new DocStore({ adapter: disk, room: ROOM, random: seededRandom(1), clock: systemClock(), locks: null })
  const doc = new Y.Doc()
  await store.load(doc, store)
  doc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin !== store) store.append(update, { fromDoc: true })
  })
  await store.claimIdentity()
  const text = doc.getText('t')
  for (let i = 0; i < edits; i++) text.insert(i % 7 === 0 ? 0 : text.length, String.fromCharCode(97 + (i % 26)))
  await store.close()
  return { disk, text: text.toString() }
}

const everything = async (disk: StorageAdapter): Promise<string[]> =>
  (await disk.loadRange([])).map((chunk: StorageChunk) => `${JSON.stringify(chunk.key)}\t${Buffer.from(chunk.data).toString('base64')}`)
const identities = (dump: readonly string[]): number => dump.filter((line) => /^\["gossamer","identity","[^"]+"\]\t/.test(line)).length
const leases = (dump: readonly string[]): number => dump.filter((line) => line.includes('"lease"')).length

/** Opens a Persistence on `adapter` and closes it at the first adapter call numbered `closeAt` (or once loaded). */
async function openAndClose(disk: StorageAdapter, seed: number, closeAt: number | 'loaded', expected: string): Promise<FaultyOperation[]> {
  const calls: FaultyOperation[] = []
  const opened: { persistence?: Persistence } = {}
  let closing: Promise<void> | undefined
  const close = (): void => void (closing ??= opened.persistence?.close())
  const adapter = faultyStorage(disk, {
    onOperation: (op) => {
      calls.push(op)
      if (op.step === closeAt) close()
    },
  })
  const errors: Error[] = []
  const persistence = new Persistence(adapter, {
    room: ROOM,
    clock: systemClock(),
    random: seededRandom(seed),
    onPersisted: () => undefined,
    onError: (error) => errors.push(error),
  })
  opened.persistence = persistence
  const doc = new Y.Doc()
  doc.on('update', () => {
    // "Closed as soon as the text has loaded": from inside the load's own transaction.
    if (closeAt === 'loaded' && doc.getText('t').toString() === expected) close()
  })
  await persistence.open(doc, true)
  close()
  await closing
  expect(errors, `seed ${seed}, close at ${closeAt}`).toEqual([])
  return calls
}

describe('quick open/close', () => {
  it('1,000 opens of a 10,000-edit document, each closed as soon as it loaded: no record, identity or lease left, nothing written to the document', async () => {
    const { disk, text } = await storeWithDocument(10_000)
    const before = await everything(disk)
    expect(identities(before)).toBe(1)
    for (let i = 0; i < 1_000; i++) {
      const calls = await openAndClose(disk, 100 + i, 'loaded', text)
      // Writes touch the identity only (claim, release); never the document's records.
      const writes = calls.filter((op) => WRITES.has(op.method))
      for (const op of writes) for (const write of op.operations ?? [{ key: op.key }]) expect(JSON.stringify(write)).toContain('"identity"')
    }
    const after = await everything(disk)
    expect(after.length).toBe(before.length)
    expect(identities(after)).toBe(1)
    expect(leases(after)).toBe(0)
    expect(after).toEqual(before) // byte for byte: the identity was released clean, with its clientID
  }, 120_000)

  it('closing at every step of the open (load, known peers, lease, read-back, claim) leaves no lease and no new identity', async () => {
    const { disk, text } = await storeWithDocument(2_000)
    const before = await everything(disk)
    const steps = (await openAndClose(memoryCopy(before), 1, Number.POSITIVE_INFINITY, text)).length
    expect(steps).toBeGreaterThan(4)
    for (let round = 0; round < 3; round++) {
      for (let closeAt = 0; closeAt <= steps; closeAt++) await openAndClose(disk, 1_000 * round + closeAt, closeAt, text)
    }
    const after = await everything(disk)
    expect(leases(after)).toBe(0)
    expect(identities(after)).toBe(1)
    expect(after.filter((line) => !line.includes('"identity"'))).toEqual(before.filter((line) => !line.includes('"identity"')))
  }, 60_000)

  it('a DocStore closed while its identity claim is in flight releases it: the claim rejects with StorageClosedError', async () => {
    const disk = memoryStorage()
    const first = new DocStore({ adapter: disk, room: ROOM, random: seededRandom(3), clock: systemClock(), locks: null })
    const claim = first.claimIdentity()
    await first.close()
    await expect(claim).rejects.toMatchObject({ name: 'StorageClosedError' })
    const dump = await everything(disk)
    expect(leases(dump)).toBe(0)
    const second = new DocStore({ adapter: disk, room: ROOM, random: seededRandom(4), clock: systemClock(), locks: null })
    const identity = await second.claimIdentity()
    expect(identities(await everything(disk))).toBe(1) // the released slot is reused, not a new one
    await identity.release()
    await second.close()
  })
})

/** A memory store holding what `dump` (from {@link everything}) lists. */
function memoryCopy(dump: readonly string[]): StorageAdapter {
  const disk = memoryStorage()
  for (const line of dump) {
    const at = line.indexOf('\t')
    void disk.save(JSON.parse(line.slice(0, at)) as string[], new Uint8Array(Buffer.from(line.slice(at + 1), 'base64')))
  }
  return disk
}

describe('Persistence.open', () => {
  it('never returns its own persisted peer id among the known peers', async () => {
    const disk = memoryStorage()
    const host = { room: ROOM, clock: systemClock(), onPersisted: () => undefined, onError: (error: Error) => expect.fail(error.message) }
    const first = new Persistence(disk, { ...host, random: seededRandom(1) })
    const opened = await first.open(new Y.Doc(), true)
    // Another room on the same storage saved the first one's id as a known peer.
    const other = new DocStore({ adapter: disk, room: ROOM, random: seededRandom(2), clock: systemClock(), locks: null })
    await other.savePeers([opened.peerId as string, 'someone-else'])
    await other.close()
    await first.close()
    const reopened = new Persistence(disk, { ...host, random: seededRandom(3) })
    const again = await reopened.open(new Y.Doc(), true)
    await reopened.close()
    expect(again.peerId).toBe(opened.peerId)
    expect(again.knownPeers).toEqual(['someone-else'])
  })
})
