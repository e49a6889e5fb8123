/**
 * Where there is no IndexedDB (plain Node: this file does not load fake-indexeddb), the
 * adapter refuses to exist: a typed error at construction that names the Node adapter,
 * instead of a store that fails later.
 */
import { describe, expect, it } from 'vitest'
import { IndexedDBUnavailableError, indexeddb } from '../src/index.js'

describe('indexeddb() without IndexedDB', () => {
  it('throws IndexedDBUnavailableError at construction, pointing at @gossamer/storage-node', () => {
    expect((globalThis as { indexedDB?: unknown }).indexedDB).toBeUndefined()
    let thrown: unknown
    try {
      indexeddb({ dbName: 'never' })
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(IndexedDBUnavailableError)
    expect((thrown as Error).name).toBe('IndexedDBUnavailableError')
    expect((thrown as Error).message).toContain('@gossamer/storage-node')
  })
})
