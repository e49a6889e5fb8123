/**
 * Validating and merging stored Yjs updates (V1). A blob that Yjs cannot decode is reported
 * as corrupt, never applied: applying a malformed update could leave a document half-changed.
 */
import * as Y from 'yjs'
import type { StorageChunk } from './adapter.js'

/** Chunks split by {@link validateChunks}. */
export interface ValidatedChunks {
  /** Chunks whose blob decoded. */
  valid: StorageChunk[]
  /** Chunks whose blob failed to decode, each with the decoder's error. */
  corrupt: { chunk: StorageChunk; error: unknown }[]
}

/**
 * How many updates one `Y.mergeUpdates` call takes at most. Its cost grows about with the
 * square of the number of inputs (10k tiny updates: ~4 s in one call, ~0.1 s merged 64 at a
 * time), so larger lists are merged as a tree.
 */
export const MERGE_FAN_IN = 64

/** Returns the decoder's error for `update`, or undefined when `Y.decodeUpdate` accepts it. */
export function decodeError(update: Uint8Array): unknown {
  try {
    Y.decodeUpdate(update)
    return undefined
  } catch (error) {
    return error ?? new Error('undecodable update')
  }
}

/** Validates every chunk with `Y.decodeUpdate` and sets the corrupt ones apart. */
export function validateChunks(chunks: readonly StorageChunk[]): ValidatedChunks {
  const valid: StorageChunk[] = []
  const corrupt: ValidatedChunks['corrupt'] = []
  for (const chunk of chunks) {
    const error = decodeError(chunk.data)
    if (error === undefined) valid.push(chunk)
    else corrupt.push({ chunk, error })
  }
  return { valid, corrupt }
}

/**
 * Merges updates into one with `Y.mergeUpdates` (no Y.Doc), {@link MERGE_FAN_IN} at a time;
 * one update is returned as is, none gives undefined.
 */
export function mergeUpdates(updates: readonly Uint8Array[]): Uint8Array | undefined {
  let level = updates
  while (level.length > 1) {
    const next: Uint8Array[] = []
    for (let i = 0; i < level.length; i += MERGE_FAN_IN) {
      const group = level.slice(i, i + MERGE_FAN_IN)
      next.push(group.length === 1 ? (group[0] as Uint8Array) : Y.mergeUpdates(group))
    }
    level = next
  }
  return level[0]
}
