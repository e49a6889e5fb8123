/**
 * Typed errors of `@gossamer/storage-node`. Callers branch on `err.name`, which is stable
 * across versions; each keeps SQLite's own error as `cause`. A `DocStore` on this adapter
 * wraps them in core's `StorageError` (keeping them as its `cause`).
 */
import { GossamerError } from '@gossamer/core'

/** The database file could not be opened or prepared (a missing directory, no permission, not a database). */
export class SqliteOpenError extends GossamerError {
  override name = 'SqliteOpenError'
  constructor(
    message: string,
    /** The database path. */
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** A call on the store failed in SQLite (a full disk, a locked or damaged file). Nothing of it was applied. */
export class SqliteStorageError extends GossamerError {
  override name = 'SqliteStorageError'
  constructor(
    message: string,
    /** The adapter call: `load`, `save`, `remove`, `loadRange`, `removeRange` or `batch`. */
    readonly operation: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** A call was made after `close()`. */
export class SqliteStorageClosedError extends GossamerError {
  override name = 'SqliteStorageClosedError'
}
