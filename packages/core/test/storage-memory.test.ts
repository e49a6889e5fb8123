import { describe, expect, it } from 'vitest'
import type { StorageKey } from '../src/storage/adapter.js'
import { compareKeys, hasPrefix } from '../src/storage/keys.js'
import { faultyStorage, memoryStorage, type FaultyOperation } from '../src/storage/memory-adapter.js'

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values)

describe('memoryStorage', () => {
  it('orders keys element-wise and matches prefixes element-wise', async () => {
    const storage = memoryStorage()
    const keys: StorageKey[] = [['a', 'bc'], ['ab'], ['a', 'b', 'c'], ['a', 'b'], ['a']]
    for (const key of keys) await storage.save(key, bytes(key.length))
    expect((await storage.loadRange([])).map((c) => c.key)).toEqual([['a'], ['a', 'b'], ['a', 'b', 'c'], ['a', 'bc'], ['ab']])
    expect((await storage.loadRange(['a', 'b'])).map((c) => c.key)).toEqual([['a', 'b'], ['a', 'b', 'c']])
    expect(compareKeys(['a', 'b'], ['a', 'bc'])).toBe(-1)
    expect(hasPrefix(['a', 'bc'], ['a', 'b'])).toBe(false)
  })

  it('rejects a batch with an invalid operation and applies none of it', async () => {
    const storage = memoryStorage()
    await storage.save(['keep'], bytes(1))
    const invalid = [{ type: 'remove', key: ['keep'] }, { type: 'save', key: ['x'], data: 'nope' }] as never
    await expect(storage.batch(invalid)).rejects.toThrow(TypeError)
    expect(await storage.load(['keep'])).toEqual(bytes(1))
  })
})

describe('faultyStorage', () => {
  it('counts every call as one step, a batch as one step', async () => {
    const seen: FaultyOperation[] = []
    const storage = faultyStorage(memoryStorage(), { onOperation: (op) => seen.push(op) })
    await storage.save(['a'], bytes(1))
    await storage.batch([
      { type: 'save', key: ['b'], data: bytes(2) },
      { type: 'remove', key: ['a'] },
    ])
    await storage.load(['b'])
    await storage.loadRange([])
    expect(storage.steps).toBe(4)
    expect(seen.map((op) => [op.step, op.method, op.crashed])).toEqual([
      [0, 'save', false],
      [1, 'batch', false],
      [2, 'load', false],
      [3, 'loadRange', false],
    ])
  })

  it('crashes at failAt: that call and every later call reject with StorageCrashError and change nothing', async () => {
    const disk = memoryStorage()
    const storage = faultyStorage(disk, { failAt: 1 })
    await storage.save(['a'], bytes(1))
    await expect(storage.batch([{ type: 'save', key: ['b'], data: bytes(2) }])).rejects.toMatchObject({ name: 'StorageCrashError', step: 1 })
    await expect(storage.load(['a'])).rejects.toMatchObject({ name: 'StorageCrashError', step: 2 })
    await expect(storage.remove(['a'])).rejects.toMatchObject({ name: 'StorageCrashError' })
    expect(storage.crashed).toBe(true)
    expect((await disk.loadRange([])).map((c) => c.key)).toEqual([['a']])
  })

  it('crashes on demand', async () => {
    const storage = faultyStorage(memoryStorage())
    storage.crash()
    await expect(storage.save(['a'], bytes(1))).rejects.toMatchObject({ name: 'StorageCrashError', step: 0 })
  })
})
