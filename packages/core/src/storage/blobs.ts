/**
 * Validating, merging and bundling stored Yjs updates (V1). A blob that Yjs cannot decode is
 * reported as corrupt, never applied: applying a malformed update could leave a document
 * half-changed. A *bundle* holds several updates unmerged, each framed by its length, so
 * bundling costs a copy, not a parse.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import type { StorageChunk } from './adapter.js'

/** Chunks split by {@link validateChunks}. */
export interface ValidatedChunks {
  /** Chunks whose blob decoded. */
  valid: StorageChunk[]
  /** The updates of the valid chunks: one per update blob, several per bundle. */
  updates: Uint8Array[]
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

/** The updates of one blob: itself, or (a bundle) the updates it frames; undefined when a bundle's framing is broken. */
export function updatesOf(chunk: StorageChunk, isBundle: boolean): Uint8Array[] | undefined {
  return isBundle ? splitBundle(chunk.data) : [chunk.data]
}

/**
 * Validates every chunk with `Y.decodeUpdate` (every update of a bundle) and sets the corrupt
 * ones apart; a bundle with one bad update is corrupt as a whole.
 */
export function validateChunks(chunks: readonly StorageChunk[], isBundle: (chunk: StorageChunk) => boolean = () => false): ValidatedChunks {
  const valid: StorageChunk[] = []
  const updates: Uint8Array[] = []
  const corrupt: ValidatedChunks['corrupt'] = []
  for (const chunk of chunks) {
    const parts = updatesOf(chunk, isBundle(chunk))
    let error: unknown = parts === undefined ? new Error('broken bundle framing') : undefined
    for (const part of parts ?? []) if ((error = decodeError(part)) !== undefined) break
    if (error !== undefined) corrupt.push({ chunk, error })
    else {
      valid.push(chunk)
      updates.push(...(parts as Uint8Array[]))
    }
  }
  return { valid, updates, corrupt }
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

/** A bundle of `updates`: each one framed by its length (varuint). Bundles concatenate into a bundle. */
export function bundleUpdates(updates: readonly Uint8Array[]): Uint8Array {
  const encoder = encoding.createEncoder()
  for (const update of updates) encoding.writeVarUint8Array(encoder, update)
  return encoding.toUint8Array(encoder)
}

/** One bundle made of several: their bytes, end to end. */
export function concatBundles(bundles: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(bundles.reduce((sum, bundle) => sum + bundle.byteLength, 0))
  let at = 0
  for (const bundle of bundles) {
    out.set(bundle, at)
    at += bundle.byteLength
  }
  return out
}

/** The updates of a bundle (views into it), or undefined when its framing is broken. */
export function splitBundle(bundle: Uint8Array): Uint8Array[] | undefined {
  const decoder = decoding.createDecoder(bundle)
  const updates: Uint8Array[] = []
  try {
    while (decoding.hasContent(decoder)) {
      const length = decoding.readVarUint(decoder)
      if (length > bundle.byteLength - decoder.pos) return undefined
      updates.push(bundle.subarray(decoder.pos, decoder.pos + length))
      decoder.pos += length
    }
  } catch {
    return undefined
  }
  return updates
}
