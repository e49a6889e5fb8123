/**
 * Rotation and encryption at rest: `rotateSecret` re-seals every stored blob of the room under
 * the new generation's storage key, in one atomic batch, so the store reopens with the new
 * secret (every edit, before and after the rotation), and the old secret gets a typed
 * `KeyMismatchError`, never garbage.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createRoom, deriveRoomKeys, envelopeKeyId, ENVELOPE_FORMAT, generateRoomSecret, memoryStorage, type ErrorEvent, type Room, type StorageAdapter } from '../../src/index.js'

const ROOM = 'rotated-store'
let rooms: Room[] = []
afterEach(async () => {
  await Promise.all(rooms.map((r) => r.close()))
  rooms = []
})

function open(storage: StorageAdapter, secret: string, encryptStorage = true): { room: Room; errors: ErrorEvent[] } {
  const room = createRoom({ name: ROOM, doc: new Y.Doc(), transports: [], secret, encryptStorage, presence: false, storage })
  const errors: ErrorEvent[] = []
  room.on('error', (e) => errors.push(e))
  rooms.push(room)
  return { room, errors }
}
const text = (room: Room): string => room.doc.getText('t').toString()

describe('rotateSecret with storage', () => {
  for (const encryptStorage of [true, false]) {
    it(`reopens with the new secret after a rotation, every edit kept; the old secret gets KeyMismatchError (encryptStorage: ${encryptStorage})`, async () => {
      const oldSecret = generateRoomSecret()
      const newSecret = generateRoomSecret()
      const original = memoryStorage()
      const { room } = open(original, oldSecret, encryptStorage)
      await room.whenLoaded()
      room.doc.getText('t').insert(0, 'before ')
      await room.flush()
      const rotated = room.rotateSecret(newSecret)
      room.doc.getText('t').insert(7, 'during ')
      await rotated
      room.doc.getText('t').insert(14, 'after')
      await room.flush()
      // A crash now (the store as it stands, without the compaction of a clean close), and a clean close.
      for (const storage of [await copyOf(original), original]) {
        await room.close()
        await reopenChecks(storage, encryptStorage, oldSecret, newSecret)
      }
    })
  }
})

/** A copy of everything `storage` holds (a process that died now leaves exactly this). */
async function copyOf(storage: StorageAdapter): Promise<StorageAdapter> {
  const copy = memoryStorage()
  await copy.batch((await storage.loadRange([])).map((c) => ({ type: 'save' as const, key: c.key, data: c.data })))
  return copy
}

async function reopenChecks(storage: StorageAdapter, encryptStorage: boolean, oldSecret: string, newSecret: string): Promise<void> {
  const fresh = await deriveRoomKeys({ room: ROOM, secret: newSecret })
  for (const chunk of await storage.loadRange(['gossamer', ROOM])) {
    if (chunk.data[0] === ENVELOPE_FORMAT && (encryptStorage || chunk.key[2] === 'identity-key')) expect(envelopeKeyId(chunk.data)).toBe(fresh.fingerprint)
  }
  const reopened = open(storage, newSecret, encryptStorage)
  await reopened.room.whenLoaded()
  expect(text(reopened.room)).toBe('before during after')
  expect(reopened.errors).toEqual([])
  await reopened.room.close()

  const before = await storage.loadRange([])
  const stale = open(storage, oldSecret, encryptStorage)
  await expect(stale.room.whenLoaded()).rejects.toMatchObject({ name: 'KeyMismatchError' })
  expect(text(stale.room)).toBe('')
  await stale.room.close()
  expect(await storage.loadRange([])).toEqual(before)
}
