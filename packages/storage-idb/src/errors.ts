/**
 * Typed errors of `@gossamer/storage-idb`. Callers branch on `err.name`, which is stable
 * across versions. A `DocStore` on this adapter wraps call failures in core's `StorageError`.
 */
import { GossamerError } from '@gossamer/core'

/**
 * `indexeddb()` was called where there is no IndexedDB (Node, a worker without it, a
 * browser that blocks it). Thrown at construction, so nothing half-works later.
 */
export class IndexedDBUnavailableError extends GossamerError {
  override name = 'IndexedDBUnavailableError'
}

/** A call was made after `close()`. */
export class IndexedDBClosedError extends GossamerError {
  override name = 'IndexedDBClosedError'
}
