/**
 * Typed errors of the storage layer. Callers branch on `err.name`, which is stable across
 * versions. Each keeps the adapter's original error as `cause` where there is one.
 */
import { GossamerError } from '../errors.js'
import type { StorageKey } from './adapter.js'

/** An adapter call failed (a full disk, a closed database, a quota error). Nothing was lost from memory. */
export class StorageError extends GossamerError {
  override name = 'StorageError'
  constructor(
    message: string,
    /** What the storage layer was doing: `append`, `compact`, `load`, `peers`, `identity`, `quarantine`. */
    readonly operation: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** A stored blob failed validation. It was moved under the room's quarantine prefix (or skipped) and the rest loaded. */
export class StorageCorruptError extends GossamerError {
  override name = 'StorageCorruptError'
  constructor(
    message: string,
    /** The key the blob was found at. */
    readonly key: StorageKey,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** Raised by `faultyStorage` from its failing step on: the simulated process died there. */
export class StorageCrashError extends GossamerError {
  override name = 'StorageCrashError'
  constructor(
    /** The index of the adapter call that crashed (0-based). */
    readonly step: number,
  ) {
    super(`storage crashed at step ${step}`)
  }
}

/** An operation was attempted on a `DocStore` after `close()`. */
export class StorageClosedError extends GossamerError {
  override name = 'StorageClosedError'
}

/**
 * This store's identity lease was taken over by another writer (its renewal came too late,
 * for instance in a throttled background tab). Two writers may have shared a Yjs clientID:
 * the owner should reload with a fresh identity.
 */
export class IdentityLostError extends GossamerError {
  override name = 'IdentityLostError'
  constructor(
    message: string,
    /** The peer id whose lease was lost. */
    readonly peerId: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** Wraps an adapter failure in a {@link StorageError}, keeping typed errors as they are. */
export function storageError(error: unknown, operation: string, message: string): GossamerError {
  return error instanceof GossamerError ? error : new StorageError(message, operation, { cause: error })
}

/**
 * In a room with a secret, the stored document holds content that no stored signed chain
 * carries: written before the room had a secret, by this peer while it could only read, or
 * signed but not yet stored when the process died. It stays in this peer's document and is
 * never sent (no peer would accept it); local edits that build on it stay local too.
 */
export class UnsignedContentError extends GossamerError {
  override name = 'UnsignedContentError'
  constructor(
    message: string,
    /** Per Yjs clientID, how many clock units of its content no chain carries. */
    readonly clients: ReadonlyMap<number, number>,
  ) {
    super(message)
  }
}
