/**
 * Validating and merging stored Yjs updates (V1). A blob that Yjs cannot decode is reported
 * as corrupt, never applied: applying a malformed update could leave a document half-changed.
 */
import * as Y from 'yjs'
import type { StorageChunk } from './adapter.js'

/** The outcome of {@link mergeChunks}. */
export interface MergedChunks {
  /** All valid blobs merged into one update, or undefined when there were none. */
  merged: Uint8Array | undefined
  /** Chunks whose blob decoded. */
  valid: StorageChunk[]
  /** Chunks whose blob failed to decode, each with the decoder's error. */
  corrupt: { chunk: StorageChunk; error: unknown }[]
}

/** Returns the decoder's error for `update`, or undefined when `Y.decodeUpdate` accepts it. */
export function decodeError(update: Uint8Array): unknown {
  try {
    Y.decodeUpdate(update)
    return undefined
  } catch (error) {
    return error ?? new Error('undecodable update')
  }
}

/**
 * Validates every chunk with `Y.decodeUpdate`, sets corrupt ones apart, and merges the rest
 * with `Y.mergeUpdates` (one update, no Y.Doc).
 */
export function mergeChunks(chunks: readonly StorageChunk[]): MergedChunks {
  const valid: StorageChunk[] = []
  const corrupt: MergedChunks['corrupt'] = []
  for (const chunk of chunks) {
    const error = decodeError(chunk.data)
    if (error === undefined) valid.push(chunk)
    else corrupt.push({ chunk, error })
  }
  const merged = mergeUpdates(valid.map((chunk) => chunk.data))
  return { merged, valid, corrupt }
}

/** Merges updates into one (`Y.mergeUpdates`); one update is returned as is, none gives undefined. */
export function mergeUpdates(updates: readonly Uint8Array[]): Uint8Array | undefined {
  if (updates.length === 0) return undefined
  if (updates.length === 1) return updates[0]
  return Y.mergeUpdates(updates as Uint8Array[])
}
