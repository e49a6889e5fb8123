import { DocStore, seededRandom, systemClock } from '@gossamer/core'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { SqliteOpenError, sqlite } from '../src/index.js'
import { decodeKey, encodeKey, prefixBounds } from '../src/key-codec.js'
import { freshPath, removeTemporaryDirs } from './support.js'

afterAll(removeTemporaryDirs)

/** Element-wise key order (UTF-16 code units, shorter first), the seam's reference. */
function compare(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if ((a[i] as string) < (b[i] as string)) return -1
    if ((a[i] as string) > (b[i] as string)) return 1
  }
  return a.length - b.length
}

function bytesCompare(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number)
  return a.length - b.length
}

describe('key codec', () => {
  const alphabet = ['', '\u0000', '\u0001', 'a', 'b', '\u00ff', '\u0100', '\ud800', '\udfff', '\ue000', '\uffff', '😀']
  const random = seededRandom(7)
  const pick = (): string => alphabet[Math.floor(random.next() * alphabet.length)] as string
  const keys = Array.from({ length: 400 }, () =>
    Array.from({ length: Math.floor(random.next() * 4) }, () => Array.from({ length: Math.floor(random.next() * 4) }, pick).join('')),
  )

  it('round-trips every key, lone surrogates and NUL included (seed 7)', () => {
    for (const key of keys) expect(decodeKey(encodeKey(key))).toEqual(key)
  })

  it('orders encoded keys byte-wise exactly as keys compare element-wise (seed 7)', () => {
    for (let i = 0; i < keys.length; i++) {
      const a = keys[i] as string[]
      const b = keys[(i * 7 + 3) % keys.length] as string[]
      expect(Math.sign(bytesCompare(encodeKey(a), encodeKey(b))), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(Math.sign(compare(a, b)))
    }
  })

  it('bounds a prefix to exactly the keys under it (seed 7)', () => {
    for (const prefix of keys.slice(0, 40)) {
      const bounds = prefixBounds(prefix)
      for (const key of keys) {
        const under = prefix.length <= key.length && prefix.every((part, i) => key[i] === part)
        const bytes = encodeKey(key)
        const inside = bounds === undefined || (bytesCompare(bytes, bounds.lower) >= 0 && bytesCompare(bytes, bounds.upper) < 0)
        expect(inside, `${JSON.stringify(key)} under ${JSON.stringify(prefix)}`).toBe(under)
      }
    }
  })

  it('rejects bytes it did not write', () => {
    expect(decodeKey(new Uint8Array([0x61]))).toBeUndefined()
    expect(decodeKey(new Uint8Array([0, 7]))).toBeUndefined()
    expect(decodeKey(new Uint8Array([0x61, 0, 1]))).toBeUndefined() // an odd number of data bytes
  })
})

describe('sqlite()', () => {
  it('keeps everything across instances (a restarted process), in WAL mode', async () => {
    const path = await freshPath()
    const first = sqlite({ path })
    await first.batch([
      { type: 'save', key: ['a', 'b'], data: new Uint8Array([1, 2]) },
      { type: 'save', key: ['a', '\ud800'], data: new Uint8Array([3]) },
    ])
    await first.close()
    const second = sqlite({ path })
    expect((await second.loadRange(['a'])).map((c) => [c.key, [...c.data]])).toEqual([
      [['a', 'b'], [1, 2]],
      [['a', '\ud800'], [3]],
    ])
    await second.close()
    const raw = new Database(path, { readonly: true })
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal')
    raw.close()
  })

  it('skips rows it did not write, and rejects every call after close with a typed error', async () => {
    const path = await freshPath()
    const storage = sqlite({ path })
    await storage.save(['x'], new Uint8Array([1]))
    const raw = new Database(path)
    raw.prepare('INSERT INTO gossamer_kv (key, value) VALUES (?, ?)').run(Buffer.from([0x61]), Buffer.from([9]))
    raw.close()
    expect((await storage.loadRange([])).map((c) => c.key)).toEqual([['x']])
    await storage.close()
    await storage.close()
    await expect(storage.load(['x'])).rejects.toMatchObject({ name: 'SqliteStorageClosedError' })
  })

  it('fails at construction with SqliteOpenError when the file is not a database', async () => {
    const path = await freshPath()
    const { writeFile } = await import('node:fs/promises')
    await writeFile(path, 'not a database, just text that is long enough to have a header'.repeat(20))
    expect(() => sqlite({ path })).toThrow(SqliteOpenError)
  })

  it('keeps a Yjs document through a DocStore: append, compact, reload; an unchanged open writes nothing', async () => {
    const path = await freshPath()
    const open = async (seed: number): Promise<{ store: DocStore; doc: Y.Doc; storage: ReturnType<typeof sqlite> }> => {
      const storage = sqlite({ path })
      const store = new DocStore({ adapter: storage, room: 'notes', random: seededRandom(seed), clock: systemClock(), locks: null, compactRecords: 8 })
      const doc = new Y.Doc()
      await store.load(doc, store)
      doc.on('update', (update: Uint8Array, origin: unknown) => {
        if (origin !== store) store.append(update, { fromDoc: true })
      })
      return { store, doc, storage }
    }
    const first = await open(1)
    for (let i = 0; i < 100; i++) {
      first.doc.getText('t').insert(0, `${i} `)
      await first.store.flush()
    }
    await first.store.close()
    await first.storage.close()
    const second = await open(2)
    expect(second.doc.getText('t').toString()).toBe(first.doc.getText('t').toString())
    const before = await second.storage.loadRange([])
    expect(before.map((c) => c.key[2])).toEqual(['snapshot'])
    await second.store.close()
    expect(await second.storage.loadRange([])).toEqual(before)
    await second.storage.close()
  })
})
