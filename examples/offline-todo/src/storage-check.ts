/**
 * Checks of the IndexedDB storage adapter (`indexeddb()` from `@gossamer/storage-idb`) on
 * this browser's real IndexedDB: a browser-side subset of the storage conformance suite of
 * `@gossamer/testing` (which needs vitest), plus what only a real browser can show: two
 * connections to one database (two tabs) and batches seen all-or-nothing by another
 * connection. Each check uses its own scratch database and deletes it afterwards.
 */
import { DocStore, systemClock, systemRandom, type StorageAdapter, type StorageKey } from '@gossamer/core'
import { indexeddb } from '@gossamer/storage-idb'
import * as Y from 'yjs'

/** The outcome of one check. */
export interface CheckResult {
  name: string
  ok: boolean
  /** Why it failed. */
  detail?: string
  ms: number
}

/** What storage-check.html exposes on `window.storageCheck`. */
export interface StorageCheckHandle {
  /** Every check's outcome, once all have run (they start on page load). */
  results: Promise<CheckResult[]>
}

declare global {
  interface Window {
    storageCheck: StorageCheckHandle
  }
}

class CheckFailed extends Error {}

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new CheckFailed(message)
}

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values)
const show = (value: unknown): string => JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? [...v] : v))

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  if (!(a instanceof Uint8Array) || a.byteLength !== b.byteLength) return false
  for (let i = 0; i < b.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}

function assertBytes(actual: Uint8Array | undefined, expected: Uint8Array, what: string): void {
  assert(sameBytes(actual, expected), `${what}: expected ${expected.byteLength} bytes ${show(expected.subarray(0, 8))}…, got ${show(actual?.subarray(0, 8))}`)
}

function assertKeys(actual: readonly { key: StorageKey }[], expected: readonly StorageKey[], what: string): void {
  const got = show(actual.map((chunk) => chunk.key))
  assert(got === show(expected), `${what}: expected keys ${show(expected)}, got ${got}`)
}

/** A deterministic pseudo-random buffer (xorshift), so a corrupted byte is caught. */
function patterned(length: number, seed: number): Uint8Array {
  const data = new Uint8Array(length)
  let x = seed >>> 0 || 1
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    data[i] = x & 0xff
  }
  return data
}

/** Scratch databases: one per check (or per adapter pair), deleted after the check. */
class Scratch {
  readonly #adapters: StorageAdapter[] = []
  readonly #names = new Set<string>()
  constructor(readonly prefix: string) {}

  /** A new database name, or `dbName` again for a second connection to it. */
  open(dbName = `${this.prefix}-${this.#names.size}`): StorageAdapter {
    this.#names.add(dbName)
    const adapter = indexeddb({ dbName })
    this.#adapters.push(adapter)
    return adapter
  }

  async dispose(): Promise<void> {
    for (const adapter of this.#adapters) await adapter.close?.().catch(() => undefined)
    await Promise.all(
      [...this.#names].map(
        (name) =>
          new Promise<void>((resolve) => {
            const request = indexedDB.deleteDatabase(name)
            request.onsuccess = request.onerror = request.onblocked = () => resolve()
          }),
      ),
    )
  }
}

type Check = (scratch: Scratch) => Promise<void>

const CHECKS: [string, Check][] = [
  [
    'saves, loads and removes a value; a missing key is undefined and removing it is no error',
    async (scratch) => {
      const s = scratch.open()
      await s.save(['doc', 'a'], bytes(1, 2, 3))
      assertBytes(await s.load(['doc', 'a']), bytes(1, 2, 3), 'load after save')
      await s.save(['doc', 'a'], bytes(4))
      assertBytes(await s.load(['doc', 'a']), bytes(4), 'load after a second save')
      await s.remove(['doc', 'a'])
      assert((await s.load(['doc', 'a'])) === undefined, 'load after remove is undefined')
      await s.remove(['nothing', 'here'])
      await s.removeRange(['nothing'])
      assert((await s.loadRange(['nothing'])).length === 0, 'loadRange of a missing prefix is empty')
    },
  ],
  [
    'round-trips binary values: empty, every byte value, the bytes of a view, 1 MiB',
    async (scratch) => {
      const s = scratch.open()
      const cases: [string, Uint8Array, Uint8Array][] = [
        ['empty', new Uint8Array(0), new Uint8Array(0)],
        ['every byte', Uint8Array.from({ length: 256 }, (_, i) => i), Uint8Array.from({ length: 256 }, (_, i) => i)],
        ['view', bytes(9, 9, 1, 2, 3, 9, 9).subarray(2, 5), bytes(1, 2, 3)],
        ['1 MiB', patterned(1024 * 1024, 3), patterned(1024 * 1024, 3)],
      ]
      for (const [label, data, expected] of cases) {
        await s.save(['bin', label], data)
        assertBytes(await s.load(['bin', label]), expected, `load ${label}`)
        assertBytes((await s.loadRange(['bin', label]))[0]?.data, expected, `loadRange ${label}`)
      }
      // The store keeps its own copy.
      const data = bytes(1, 2, 3)
      await s.save(['copy'], data)
      data[0] = 99
      const loaded = await s.load(['copy'])
      if (loaded !== undefined) loaded[1] = 99
      assertBytes(await s.load(['copy']), bytes(1, 2, 3), 'a saved or loaded buffer changed afterwards')
    },
  ],
  [
    'loadRange matches prefixes element-wise, in key order (shorter first, by code unit)',
    async (scratch) => {
      const s = scratch.open()
      await s.save(['a', 'b'], bytes(1))
      await s.save(['a', 'b', 'c'], bytes(2))
      await s.save(['a', 'bc'], bytes(3))
      await s.save(['ab'], bytes(4))
      await s.save(['a/b'], bytes(5))
      assertKeys(await s.loadRange(['a', 'b']), [['a', 'b'], ['a', 'b', 'c']], "loadRange(['a','b'])")
      assertKeys(await s.loadRange(['a']), [['a', 'b'], ['a', 'b', 'c'], ['a', 'bc']], "loadRange(['a'])")
      assertKeys(await s.loadRange(['a', 'b', 'c', 'd']), [], "loadRange(['a','b','c','d'])")
      assertKeys(await s.loadRange([]), [['a', 'b'], ['a', 'b', 'c'], ['a', 'bc'], ['a/b'], ['ab']], 'loadRange([])')
      const ordered: StorageKey[] = [['r', ''], ['r', '0000000002'], ['r', '0000000010'], ['r', 'a'], ['r', 'a', 'z'], ['r', 'a\u0000'], ['r', 'aa'], ['r', 'b\uffff'], ['r', '😀'], ['r', '\uffff']]
      for (const key of [...ordered].reverse()) await s.save(key, new TextEncoder().encode(key.join('|')))
      const chunks = await s.loadRange(['r'])
      assertKeys(chunks, ordered, 'key order')
      for (const chunk of chunks) assertBytes(chunk.data, new TextEncoder().encode(chunk.key.join('|')), `value at ${show(chunk.key)}`)
    },
  ],
  [
    'removeRange removes exactly the keys under the prefix (element-wise)',
    async (scratch) => {
      const s = scratch.open()
      for (const [i, key] of [['a', 'b'], ['a', 'b', 'c'], ['a', 'bc'], ['ab']].entries()) await s.save(key, bytes(i))
      await s.removeRange(['a', 'b'])
      assertKeys(await s.loadRange([]), [['a', 'bc'], ['ab']], "after removeRange(['a','b'])")
      await s.removeRange(['a'])
      assertKeys(await s.loadRange([]), [['ab']], "after removeRange(['a'])")
    },
  ],
  [
    'batch applies saves and removes together, in order; an empty batch is fine',
    async (scratch) => {
      const s = scratch.open()
      await s.save(['log', '1'], bytes(1))
      await s.save(['log', '2'], bytes(2))
      await s.batch([
        { type: 'save', key: ['snapshot', 'x'], data: bytes(3) },
        { type: 'remove', key: ['log', '1'] },
        { type: 'remove', key: ['log', '2'] },
        { type: 'save', key: ['k'], data: bytes(4) },
        { type: 'save', key: ['k'], data: bytes(5) },
        { type: 'remove', key: ['missing'] },
      ])
      assertKeys(await s.loadRange([]), [['k'], ['snapshot', 'x']], 'after the batch')
      assertBytes(await s.load(['k']), bytes(5), 'the last save of a key wins')
      await s.batch([])
    },
  ],
  [
    'batch is atomic: a batch holding an invalid operation writes nothing, and the store still works',
    async (scratch) => {
      const s = scratch.open()
      await s.save(['keep'], bytes(7))
      const invalid = [
        { type: 'save', key: ['x', 42], data: bytes(1) },
        { type: 'save', key: ['x'], data: 'bytes' },
        { type: 'rename', key: ['x'] },
      ]
      for (const op of invalid) {
        const operations = [{ type: 'save', key: ['new'], data: bytes(1) }, { type: 'remove', key: ['keep'] }, op] as unknown as Parameters<StorageAdapter['batch']>[0]
        let rejected = false
        await s.batch(operations).catch(() => (rejected = true))
        assert(rejected, `a batch holding ${show(op)} did not reject`)
        assert((await s.load(['new'])) === undefined, `a rejected batch (${show(op)}) wrote a save`)
        assertBytes(await s.load(['keep']), bytes(7), `a rejected batch (${show(op)}) applied a remove`)
      }
      await s.batch([{ type: 'save', key: ['after'], data: bytes(2) }])
      assertBytes(await s.load(['after']), bytes(2), 'a batch after the failed ones')
    },
  ],
  [
    'another connection (another tab) sees a 500-write batch all or nothing, and sees the other’s writes',
    async (scratch) => {
      const dbName = `${scratch.prefix}-shared`
      const writer = scratch.open(dbName)
      const reader = scratch.open(dbName)
      await writer.save(['init'], bytes(0))
      assertBytes(await reader.load(['init']), bytes(0), "the other connection's write")
      const batch = writer.batch(Array.from({ length: 500 }, (_, i) => ({ type: 'save' as const, key: ['log', String(i).padStart(4, '0')], data: patterned(64, i + 1) })))
      const seen: number[] = []
      let settled = false
      void batch.finally(() => (settled = true))
      while (!settled) seen.push((await reader.loadRange(['log'])).length)
      await batch
      seen.push((await reader.loadRange(['log'])).length)
      assert(seen.every((n) => n === 0 || n === 500), `a reader saw a partial batch: ${show(seen)}`)
      assert(seen.at(-1) === 500, 'the reader sees the whole batch once it committed')
      const chunks = await reader.loadRange(['log'])
      chunks.forEach((chunk, i) => assertBytes(chunk.data, patterned(64, i + 1), `value ${i}`))
    },
  ],
  [
    'keeps two databases apart, and rejects every call after close()',
    async (scratch) => {
      const one = scratch.open()
      const two = scratch.open()
      await one.save(['shared'], bytes(1))
      await two.save(['shared'], bytes(2))
      await two.removeRange([])
      assertBytes(await one.load(['shared']), bytes(1), 'the other database was touched')
      await one.close?.()
      let rejected = false
      await one.load(['shared']).catch(() => (rejected = true))
      assert(rejected, 'load after close() did not reject')
    },
  ],
  [
    'keeps a Yjs document through DocStore: 100 flushed appends, compaction, reload',
    async (scratch) => {
      const adapter = scratch.open()
      const room = 'check'
      const make = () => new DocStore({ adapter, room, random: systemRandom(), clock: systemClock(), compactRecords: 32 })
      const doc = new Y.Doc()
      const store = make()
      await store.load(doc, store)
      doc.on('update', (update: Uint8Array, origin: unknown) => {
        if (origin !== store) store.append(update)
      })
      for (let i = 0; i < 100; i++) {
        doc.getArray<number>('n').push([i])
        await store.flush()
      }
      await store.close()
      const keys = (await adapter.loadRange(['gossamer', room])).map((chunk) => chunk.key[2])
      assert(keys.length < 100, `compaction left ${keys.length} records`)
      const copy = new Y.Doc()
      const again = make()
      await again.load(copy, again)
      await again.close()
      const got = copy.getArray<number>('n').toArray()
      assert(show(got) === show(Array.from({ length: 100 }, (_, i) => i)), `reloaded ${show(got)}`)
    },
  ],
]

/** Runs every check, one after the other, each on its own scratch databases. */
export async function runStorageChecks(onResult?: (result: CheckResult) => void): Promise<CheckResult[]> {
  const results: CheckResult[] = []
  const run = crypto.getRandomValues(new Uint32Array(1))[0]?.toString(36) ?? 'run'
  for (const [index, [name, check]] of CHECKS.entries()) {
    const scratch = new Scratch(`gossamer-check-${run}-${index}`)
    const started = performance.now()
    let result: CheckResult
    try {
      await check(scratch)
      result = { name, ok: true, ms: performance.now() - started }
    } catch (error) {
      const detail = error instanceof CheckFailed ? error.message : `threw ${String(error)}`
      result = { name, ok: false, detail, ms: performance.now() - started }
    } finally {
      await scratch.dispose()
    }
    results.push(result)
    onResult?.(result)
  }
  return results
}
