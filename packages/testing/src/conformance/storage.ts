/**
 * The storage conformance suite. Every {@link StorageAdapter} runs it, the in-memory one
 * first. It covers save/load/remove, missing keys, binary integrity (empty and 1 MiB values),
 * element-wise keys and prefixes, key order, removeRange, atomic batches (with range removals) and isolation
 * between adapters. Optional capabilities are switched off with options (`it.skipIf`).
 */
import { patternBytes } from '../pattern.js'
import type { StorageAdapter, StorageKey, StorageOperation } from '@gossamer/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

/** Options of {@link runStorageConformance}. */
export interface StorageConformanceOptions {
  /** Releases an adapter after each case. Default: `adapter.close?.()`. */
  cleanup?: (adapter: StorageAdapter) => Promise<void>
  /** Run the 1 MiB value case. Default true. */
  largeValues?: boolean
  /** The adapter rejects a batch holding an invalid operation before writing anything. Default true. */
  detectsInvalidOperations?: boolean
  /** Deadline of each case, in ms. Default 10 000. */
  timeoutMs?: number
}

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values)
const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const keysOf = (chunks: readonly { key: StorageKey }[]): StorageKey[] => chunks.map((chunk) => [...chunk.key])

/** Byte equality, fast on large buffers (vitest's deep equality walks element by element). */
function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  if (a === undefined || a.byteLength !== b.byteLength) return false
  for (let i = 0; i < b.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}


/**
 * Registers the storage conformance cases for an adapter. `createAdapter` must return a
 * fresh, empty store each time (for IndexedDB: a new database name), and two adapters it
 * returns must not share data.
 *
 * @example
 * ```ts
 * runStorageConformance('memory', async () => memoryStorage())
 * ```
 */
export function runStorageConformance(
  name: string,
  createAdapter: () => Promise<StorageAdapter>,
  options: StorageConformanceOptions = {},
): void {
  const timeout = options.timeoutMs ?? 10_000
  const cleanup = options.cleanup ?? (async (adapter: StorageAdapter) => adapter.close?.())
  const large = options.largeValues ?? true
  const strictBatch = options.detectsInvalidOperations ?? true

  describe(`storage conformance: ${name}`, () => {
    let storage: StorageAdapter
    const made: StorageAdapter[] = []
    const extra: StorageAdapter[] = []
    beforeEach(async () => {
      storage = await createAdapter()
      made.push(storage)
    })
    afterEach(async () => {
      for (const adapter of [...made.splice(0), ...extra.splice(0)]) await cleanup(adapter)
    })

    describe('values', () => {
      it('saves, loads and removes a value', { timeout }, async () => {
        await storage.save(['doc', 'a'], bytes(1, 2, 3))
        expect(await storage.load(['doc', 'a'])).toEqual(bytes(1, 2, 3))
        await storage.remove(['doc', 'a'])
        expect(await storage.load(['doc', 'a'])).toBeUndefined()
      })

      it('loads undefined for a missing key, and removing a missing key is no error', { timeout }, async () => {
        expect(await storage.load(['nothing', 'here'])).toBeUndefined()
        await expect(storage.remove(['nothing', 'here'])).resolves.toBeUndefined()
        await expect(storage.removeRange(['nothing'])).resolves.toBeUndefined()
        expect(await storage.loadRange(['nothing'])).toEqual([])
      })

      it('replaces a value on save', { timeout }, async () => {
        await storage.save(['k'], bytes(1))
        await storage.save(['k'], bytes(2, 2))
        expect(await storage.load(['k'])).toEqual(bytes(2, 2))
        expect(await storage.loadRange(['k'])).toHaveLength(1)
      })

      it.each([
        ['empty', new Uint8Array(0)],
        ['every byte value', Uint8Array.from({ length: 256 }, (_, i) => i)],
        ['64 KiB', patternBytes(64 * 1024, 7)],
      ])('round-trips binary values: %s', { timeout }, async (_label, data) => {
        await storage.save(['bin'], data)
        const loaded = await storage.load(['bin'])
        expect(loaded).toBeInstanceOf(Uint8Array)
        expect(loaded?.byteLength).toBe(data.byteLength)
        expect(sameBytes(loaded, data)).toBe(true)
        expect(sameBytes((await storage.loadRange(['bin']))[0]?.data, data)).toBe(true)
      })

      it.skipIf(!large)('round-trips a 1 MiB value', { timeout }, async () => {
        const data = patternBytes(1024 * 1024, 3)
        await storage.save(['big'], data)
        expect(sameBytes(await storage.load(['big']), data)).toBe(true)
        expect(sameBytes((await storage.loadRange(['big']))[0]?.data, data)).toBe(true)
      })

      it('stores the bytes of a view, not its whole buffer', { timeout }, async () => {
        const whole = bytes(9, 9, 1, 2, 3, 9, 9)
        await storage.save(['view'], whole.subarray(2, 5))
        expect(await storage.load(['view'])).toEqual(bytes(1, 2, 3))
      })

      it('keeps its own copy: later changes to a saved or loaded buffer do not reach the store', { timeout }, async () => {
        const data = bytes(1, 2, 3)
        await storage.save(['copy'], data)
        data[0] = 99
        const loaded = await storage.load(['copy'])
        expect(loaded).toEqual(bytes(1, 2, 3))
        if (loaded !== undefined) loaded[1] = 99
        expect(await storage.load(['copy'])).toEqual(bytes(1, 2, 3))
      })

      it('lets concurrent saves all land', { timeout }, async () => {
        await Promise.all(Array.from({ length: 50 }, (_, i) => storage.save(['c', String(i).padStart(2, '0')], bytes(i))))
        const chunks = await storage.loadRange(['c'])
        expect(chunks.map((chunk) => chunk.data[0])).toEqual(Array.from({ length: 50 }, (_, i) => i))
      })
    })

    describe('keys', () => {
      it('compares keys element-wise: distinct paths never collide', { timeout }, async () => {
        const keys: StorageKey[] = [['a', 'b'], ['a', 'bc'], ['ab'], ['a', 'b', ''], ['a/b'], ['']]
        for (const [i, key] of keys.entries()) await storage.save(key, bytes(i))
        for (const [i, key] of keys.entries()) expect(await storage.load(key)).toEqual(bytes(i))
      })

      it('accepts any string element: empty, slashes, NUL, unicode', { timeout }, async () => {
        const keys: StorageKey[] = [[''], ['a/b', 'c'], ['\u0000'], ['ünï', 'çødé'], ['😀', '\uffff']]
        for (const [i, key] of keys.entries()) await storage.save(key, bytes(i))
        for (const [i, key] of keys.entries()) expect(await storage.load(key)).toEqual(bytes(i))
      })
    })

    describe('loadRange', () => {
      it('matches prefixes element-wise, not as strings', { timeout }, async () => {
        await storage.save(['a', 'b'], bytes(1))
        await storage.save(['a', 'b', 'c'], bytes(2))
        await storage.save(['a', 'bc'], bytes(3))
        await storage.save(['ab'], bytes(4))
        await storage.save(['b', 'a', 'b'], bytes(5))
        expect(keysOf(await storage.loadRange(['a', 'b']))).toEqual([['a', 'b'], ['a', 'b', 'c']])
        expect(keysOf(await storage.loadRange(['a']))).toEqual([['a', 'b'], ['a', 'b', 'c'], ['a', 'bc']])
        expect(keysOf(await storage.loadRange(['a', 'b', 'c']))).toEqual([['a', 'b', 'c']])
        expect(await storage.loadRange(['a', 'b', 'c', 'd'])).toEqual([])
      })

      it('returns every key for the empty prefix', { timeout }, async () => {
        await storage.save(['x'], bytes(1))
        await storage.save(['y', 'z'], bytes(2))
        expect(keysOf(await storage.loadRange([]))).toEqual([['x'], ['y', 'z']])
      })

      it('returns chunks in key order: element by element, shorter first, by code unit', { timeout }, async () => {
        const ordered: StorageKey[] = [
          ['r', ''],
          ['r', '0000000002'],
          ['r', '0000000010'],
          ['r', 'a'],
          ['r', 'a', 'z'],
          ['r', 'a\u0000'],
          ['r', 'aa'],
          ['r', 'b'],
          ['r', 'b\uffff'],
          ['r', '😀'],
          ['r', '\uffff'],
        ]
        const shuffled = [...ordered].reverse()
        for (const key of shuffled) await storage.save(key, text(key.join('|')))
        const chunks = await storage.loadRange(['r'])
        expect(keysOf(chunks)).toEqual(ordered.map((key) => [...key]))
        for (const chunk of chunks) expect(chunk.data).toEqual(text(chunk.key.join('|')))
      })

      it('reads 500 keys back, in order', { timeout }, async () => {
        const operations: StorageOperation[] = Array.from({ length: 500 }, (_, i) => ({
          type: 'save',
          key: ['log', 'w', String(i).padStart(10, '0')],
          data: patternBytes(16, i + 1),
        }))
        await storage.batch(operations)
        const chunks = await storage.loadRange(['log'])
        expect(chunks).toHaveLength(500)
        chunks.forEach((chunk, i) => expect(chunk.data).toEqual(patternBytes(16, i + 1)))
      })
    })

    describe('removeRange', () => {
      it('removes exactly the keys under the prefix (element-wise)', { timeout }, async () => {
        await storage.save(['a', 'b'], bytes(1))
        await storage.save(['a', 'b', 'c'], bytes(2))
        await storage.save(['a', 'bc'], bytes(3))
        await storage.save(['ab'], bytes(4))
        await storage.removeRange(['a', 'b'])
        expect(keysOf(await storage.loadRange([]))).toEqual([['a', 'bc'], ['ab']])
        await storage.removeRange(['a'])
        expect(keysOf(await storage.loadRange([]))).toEqual([['ab']])
      })
    })

    describe('batch', () => {
      it('applies saves and removes together, in order', { timeout }, async () => {
        await storage.save(['log', '1'], bytes(1))
        await storage.save(['log', '2'], bytes(2))
        await storage.batch([
          { type: 'save', key: ['snapshot', 'x'], data: bytes(3) },
          { type: 'remove', key: ['log', '1'] },
          { type: 'remove', key: ['log', '2'] },
          { type: 'save', key: ['k'], data: bytes(4) },
          { type: 'save', key: ['k'], data: bytes(5) },
          { type: 'remove', key: ['missing'] },
        ])
        expect(keysOf(await storage.loadRange([]))).toEqual([['k'], ['snapshot', 'x']])
        expect(await storage.load(['k'])).toEqual(bytes(5))
      })

      it('removes a whole prefix inside a batch (element-wise), atomically with the other operations', { timeout }, async () => {
        await storage.save(['log', 'w.0', '1'], bytes(1))
        await storage.save(['log', 'w.0', '2'], bytes(2))
        await storage.save(['log', 'w.0', '2', 'deeper'], bytes(3))
        await storage.save(['log', 'w.00', '1'], bytes(4))
        await storage.save(['log', 'w'], bytes(5))
        await storage.batch([
          { type: 'save', key: ['bundle', 'w.1', '1'], data: bytes(9) },
          { type: 'removeRange', prefix: ['log', 'w.0'] },
        ])
        expect(keysOf(await storage.loadRange([]))).toEqual([['bundle', 'w.1', '1'], ['log', 'w'], ['log', 'w.00', '1']])
        // In order: a save after the range removal under the same prefix stays.
        await storage.batch([
          { type: 'removeRange', prefix: ['log'] },
          { type: 'save', key: ['log', 'again'], data: bytes(6) },
        ])
        expect(keysOf(await storage.loadRange([]))).toEqual([['bundle', 'w.1', '1'], ['log', 'again']])
      })

      it('accepts an empty batch', { timeout }, async () => {
        await expect(storage.batch([])).resolves.toBeUndefined()
      })

      it.skipIf(!strictBatch).each([
        ['a key that is not an array of strings', { type: 'save', key: ['x', 42], data: bytes(1) }],
        ['data that is not a Uint8Array', { type: 'save', key: ['x'], data: 'bytes' }],
        ['an unknown operation type', { type: 'rename', key: ['x'] }],
        ['a range removal whose prefix is not an array of strings', { type: 'removeRange', prefix: 'x' }],
      ])('fails entirely on a batch holding %s', { timeout }, async (_label, invalid) => {
        await storage.save(['keep'], bytes(7))
        const operations = [
          { type: 'save', key: ['new'], data: bytes(1) },
          { type: 'remove', key: ['keep'] },
          invalid,
        ] as unknown as StorageOperation[]
        await expect(storage.batch(operations)).rejects.toThrow()
        expect(await storage.load(['new'])).toBeUndefined()
        expect(await storage.load(['keep'])).toEqual(bytes(7))
        // The store still works after the failed batch.
        await storage.batch([{ type: 'save', key: ['after'], data: bytes(2) }])
        expect(await storage.load(['after'])).toEqual(bytes(2))
      })
    })

    describe('isolation', () => {
      it('keeps two adapters apart', { timeout }, async () => {
        const other = await createAdapter()
        extra.push(other)
        await storage.save(['shared', 'key'], bytes(1))
        await other.save(['shared', 'key'], bytes(2))
        await other.save(['only', 'other'], bytes(3))
        expect(await storage.load(['shared', 'key'])).toEqual(bytes(1))
        expect(await other.load(['shared', 'key'])).toEqual(bytes(2))
        expect(keysOf(await storage.loadRange([]))).toEqual([['shared', 'key']])
        await other.removeRange([])
        expect(await storage.load(['shared', 'key'])).toEqual(bytes(1))
      })
    })
  })
}
