/**
 * Encryption at rest (`encryptStorage`): every blob a room stores is an envelope under its
 * storage key, bound to its key path; the right secret reads it all back, a wrong one fails
 * `whenLoaded()` with a typed error and changes nothing, and a tampered blob never reaches
 * the document.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  ConfigError,
  generateRoomSecret,
  createRoom,
  deriveRoomKeys,
  ENVELOPE_FORMAT,
  envelopeKeyId,
  memoryStorage,
  type ErrorEvent,
  type Room,
  type RoomOptions,
  type StorageAdapter,
  type StorageChunk,
} from '../../src/index.js'

const SECRET = 'q3JxVbq8m2JrQ5fTn0sYl7cE1dH4kP9wZ6uA2bX8vN0'
const OTHER = generateRoomSecret()
const ROOM = 'sealed'
const WORDS = 'a confidential sentence'

let rooms: Room[] = []
afterEach(async () => {
  await Promise.all(rooms.map((r) => r.close()))
  rooms = []
})

function open(storage: StorageAdapter, extra: Partial<RoomOptions> = {}): { room: Room; errors: ErrorEvent[] } {
  const room = createRoom({ name: ROOM, doc: new Y.Doc(), transports: [], secret: SECRET, encryptStorage: true, presence: false, storage, ...extra })
  const errors: ErrorEvent[] = []
  room.on('error', (e) => errors.push(e))
  rooms.push(room)
  return { room, errors }
}

const text = (room: Room): string => room.doc.getText('t').toString()
const everything = (storage: StorageAdapter): Promise<StorageChunk[]> => storage.loadRange([])
const contains = (haystack: Uint8Array, needle: Uint8Array): boolean => Buffer.from(haystack).includes(Buffer.from(needle))

/** A store holding a room written with `SECRET`, encrypted, with a remote-looking and a local history. */
async function written(): Promise<{ storage: StorageAdapter; peerId: string }> {
  const storage = memoryStorage()
  const { room } = open(storage)
  await room.whenLoaded()
  room.doc.getText('t').insert(0, WORDS)
  await room.flush()
  room.doc.getText('t').insert(0, '> ')
  const peerId = room.peerId
  await room.close() // compacts: a snapshot, one chain record
  return { storage, peerId }
}

describe('encryptStorage', () => {
  it('stores nothing of the room in the clear, and reads it all back with the secret', async () => {
    const { storage, peerId } = await written()
    const keys = await deriveRoomKeys({ room: ROOM, secret: SECRET })
    const roomChunks = (await everything(storage)).filter((c) => c.key[1] === ROOM)
    expect(new Set(roomChunks.map((c) => c.key[2]))).toEqual(new Set(['snapshot', 'chain', 'identity-key']))
    for (const chunk of roomChunks) {
      expect(chunk.data[0]).toBe(ENVELOPE_FORMAT)
      expect(envelopeKeyId(chunk.data)).toBe(keys.fingerprint)
    }
    for (const chunk of await everything(storage)) expect(contains(chunk.data, new TextEncoder().encode('confidential'))).toBe(false)

    const { room, errors } = open(storage)
    await room.whenLoaded()
    expect(text(room)).toBe(`> ${WORDS}`)
    expect(room.peerId).toBe(peerId)
    expect(errors).toEqual([])
  })

  it('a wrong secret fails whenLoaded() with KeyMismatchError, leaves the document empty and the store untouched', async () => {
    const { storage } = await written()
    const before = await everything(storage)
    const { room, errors } = open(storage, { secret: OTHER })
    await expect(room.whenLoaded()).rejects.toMatchObject({ name: 'KeyMismatchError' })
    expect(errors.map((e) => e.error.name)).toContain('KeyMismatchError')
    expect(room.closed).toBe(true)
    expect(text(room)).toBe('')
    room.doc.getText('t').insert(0, 'typed after the failure')
    await room.close()
    expect(await everything(storage)).toEqual(before)
  })

  it('without encryptStorage, a wrong secret still fails (its identity key is always sealed)', async () => {
    const storage = memoryStorage()
    const { room: first } = open(storage, { encryptStorage: false })
    await first.whenLoaded()
    first.doc.getText('t').insert(0, WORDS)
    await first.close()
    const slotKeys = (await everything(storage)).filter((c) => c.key[2] === 'identity-key')
    expect(slotKeys).toHaveLength(1)
    expect((slotKeys[0] as StorageChunk).data[0]).toBe(ENVELOPE_FORMAT)
    const { room } = open(storage, { encryptStorage: false, secret: OTHER })
    await expect(room.whenLoaded()).rejects.toMatchObject({ name: 'KeyMismatchError' })
    expect(text(room)).toBe('')
  })

  it('a tampered or moved blob is quarantined (DecryptError), never applied; the rest loads', async () => {
    const { storage } = await written()
    const chunks = await everything(storage)
    const snapshot = chunks.find((c) => c.key[2] === 'snapshot') as StorageChunk
    const chain = chunks.find((c) => c.key[2] === 'chain') as StorageChunk
    // A flipped bit in the chain record, and a copy of the snapshot under a log key of its own.
    const flipped = chain.data.slice()
    flipped[flipped.length - 20] = (flipped[flipped.length - 20] as number) ^ 1
    await storage.save(chain.key, flipped)
    await storage.save(['gossamer', ROOM, 'log', 'intruder.0.0', '0000000000'], snapshot.data)
    // A plaintext update planted among the sealed blobs.
    const planted = new Y.Doc()
    planted.getText('t').insert(0, 'planted')
    await storage.save(['gossamer', ROOM, 'log', 'intruder.0.0', '0000000001'], Y.encodeStateAsUpdate(planted))

    const { room, errors } = open(storage)
    await room.whenLoaded()
    expect(text(room)).toBe(`> ${WORDS}`)
    const corrupt = errors.filter((e) => e.error.name === 'StorageCorruptError')
    expect(corrupt).toHaveLength(3)
    for (const e of corrupt) expect((e.error.cause as Error).name).toBe('DecryptError')
    const quarantined = (await everything(storage)).filter((c) => c.key[2] === 'quarantine')
    expect(quarantined).toHaveLength(3)
  })

  it('needs a secret', () => {
    expect(() => createRoom({ name: ROOM, doc: new Y.Doc(), transports: [], storage: memoryStorage(), encryptStorage: true })).toThrow(ConfigError)
  })
})
