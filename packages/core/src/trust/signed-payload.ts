/**
 * What the `update` and `stateVector` fields of content frames carry in a room with a secret
 * (docs/PROTOCOL.md, "Signed content"). Open rooms carry raw Yjs updates and state vectors
 * there; rooms with a secret carry one of three tagged payloads instead:
 *
 * - **update** (Delta): one signed entry of one author: tag 1, the author's clientID (a
 *   reference: the receiver knows the key behind it), seq, signature (64), then the entry
 *   (its dependencies and the Yjs V1 update, see entry.ts).
 * - **heads** (SyncRequest): how far this peer's chain of each author goes: tag 2, a count,
 *   then (clientID, seq) pairs.
 * - **segments** (SyncReply, repair Delta): runs of consecutive entries per author, each run
 *   with the signature of its last entry: tag 3, a count, then per run the public key,
 *   the first seq, the signature, a count and the entries. Tag 4 is the same with a byte
 *   after each run: 1 when the author's signed checkpoint of entries 1..seq follows (seq,
 *   chain head, signature, then the merged update; trust/checkpoint.ts), else 0. Only a run
 *   that starts at 1 and reaches seq may carry one.
 * - **announcement** (Delta): an author's new checkpoint without its update: tag 5, the
 *   author's public key, seq, chain head, SHA-256 of the update, signature. Whoever holds the
 *   author's entries 1..seq can rebuild the update (merging is deterministic) and serve it.
 *
 * Decoding validates every field and its limits, and throws an {@link UpdateRejectedError}.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { UpdateRejectedError } from '../errors.js'
import type { Checkpoint } from './checkpoint.js'

/** Tags of the three payloads. */
export const PayloadTag = { Update: 1, Heads: 2, Segments: 3, CheckpointedSegments: 4, Announcement: 5 } as const

/** Most chains listed in one heads payload. */
export const MAX_HEADS = 65_536
/** Most runs in one segments payload, and updates in one run. */
export const MAX_RUNS = 65_536
export const MAX_RUN_UPDATES = 1_000_000

/**
 * One signed entry (an authored update with its dependencies), its author named by clientID:
 * the 32-byte key behind it is not repeated in every pushed entry, since the receiver holds it
 * already (the author's chain, its session, or any record the author signed).
 */
export interface SignedUpdate {
  clientId: number
  seq: number
  signature: Uint8Array
  entry: Uint8Array
}

/** How far a chain goes. */
export interface Head {
  clientId: number
  seq: number
}

/** Consecutive entries `from`, `from + 1`, … of one author; `signature` signs the last. */
export interface Segment {
  author: Uint8Array
  from: number
  signature: Uint8Array
  entries: Uint8Array[]
  /** The author's checkpoint of entries 1..seq (only on a run from 1 that reaches seq). */
  checkpoint?: Checkpoint
}

/** An author's announcement of its checkpoint of entries 1..`seq`: what it signed, without the update itself. */
export interface Announcement {
  author: Uint8Array
  seq: number
  head: Uint8Array
  /** SHA-256 of the checkpoint's update. */
  digest: Uint8Array
  signature: Uint8Array
}

/** A decoded payload. */
export type Payload = ({ kind: 'update' } & SignedUpdate) | { kind: 'heads'; heads: Head[] } | { kind: 'segments'; segments: Segment[] } | ({ kind: 'announcement' } & Announcement)

/** Encodes an announcement payload (tag 5). */
export function encodeAnnouncement(value: Announcement): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeUint8(encoder, PayloadTag.Announcement)
  encoding.writeUint8Array(encoder, value.author)
  encoding.writeVarUint(encoder, value.seq)
  encoding.writeUint8Array(encoder, value.head)
  encoding.writeUint8Array(encoder, value.digest)
  encoding.writeUint8Array(encoder, value.signature)
  return encoding.toUint8Array(encoder)
}

export function encodeSignedUpdate(value: SignedUpdate): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeUint8(encoder, PayloadTag.Update)
  if (!Number.isSafeInteger(value.clientId) || value.clientId < 0) throw new UpdateRejectedError(`not a clientID: ${value.clientId}`)
  encoding.writeVarUint(encoder, value.clientId)
  encoding.writeVarUint(encoder, value.seq)
  encoding.writeUint8Array(encoder, value.signature)
  encoding.writeUint8Array(encoder, value.entry)
  return encoding.toUint8Array(encoder)
}

export function encodeHeads(heads: readonly Head[]): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeUint8(encoder, PayloadTag.Heads)
  encoding.writeVarUint(encoder, heads.length)
  for (const head of heads) {
    encoding.writeVarUint(encoder, head.clientId)
    encoding.writeVarUint(encoder, head.seq)
  }
  return encoding.toUint8Array(encoder)
}

export function encodeSegments(segments: readonly Segment[]): Uint8Array {
  const encoder = encoding.createEncoder()
  const checkpoints = segments.some((s) => s.checkpoint !== undefined)
  encoding.writeUint8(encoder, checkpoints ? PayloadTag.CheckpointedSegments : PayloadTag.Segments)
  encoding.writeVarUint(encoder, segments.length)
  for (const segment of segments) {
    encoding.writeUint8Array(encoder, segment.author)
    encoding.writeVarUint(encoder, segment.from)
    encoding.writeUint8Array(encoder, segment.signature)
    encoding.writeVarUint(encoder, segment.entries.length)
    for (const entry of segment.entries) encoding.writeVarUint8Array(encoder, entry)
    if (!checkpoints) continue
    const { checkpoint } = segment
    encoding.writeUint8(encoder, checkpoint === undefined ? 0 : 1)
    if (checkpoint === undefined) continue
    if (segment.from !== 1 || checkpoint.seq > segment.entries.length) throw new UpdateRejectedError('a checkpoint on a run that does not cover it')
    encoding.writeVarUint(encoder, checkpoint.seq)
    encoding.writeUint8Array(encoder, checkpoint.head)
    encoding.writeUint8Array(encoder, checkpoint.signature)
    encoding.writeVarUint8Array(encoder, checkpoint.update)
  }
  return encoding.toUint8Array(encoder)
}

/** Decodes a payload; throws {@link UpdateRejectedError} for anything malformed. */
export function decodePayload(bytes: Uint8Array): Payload {
  try {
    const decoder = decoding.createDecoder(bytes)
    const payload = readPayload(decoder)
    if (decoding.hasContent(decoder)) throw new RangeError('trailing bytes')
    return payload
  } catch (cause) {
    if (cause instanceof UpdateRejectedError) throw cause
    throw new UpdateRejectedError('malformed signed payload', { cause })
  }
}

function readPayload(decoder: decoding.Decoder): Payload {
  const tag = decoding.readUint8(decoder)
  if (tag === PayloadTag.Update) {
    const clientId = readU53(decoder)
    const seq = readSeq(decoder)
    const signature = readFixed(decoder, 64)
    const entry = decoding.readTailAsUint8Array(decoder).slice()
    return { kind: 'update', clientId, seq, signature, entry }
  }
  if (tag === PayloadTag.Heads) {
    const count = readCount(decoder, MAX_HEADS)
    const heads: Head[] = []
    for (let i = 0; i < count; i++) heads.push({ clientId: readU53(decoder), seq: readU53(decoder) })
    return { kind: 'heads', heads }
  }
  if (tag === PayloadTag.Segments || tag === PayloadTag.CheckpointedSegments) {
    const count = readCount(decoder, MAX_RUNS)
    const segments: Segment[] = []
    for (let i = 0; i < count; i++) {
      const author = readFixed(decoder, 32)
      const from = readSeq(decoder)
      const signature = readFixed(decoder, 64)
      const n = readCount(decoder, MAX_RUN_UPDATES)
      if (n === 0) throw new RangeError('an empty run')
      const entries: Uint8Array[] = []
      for (let k = 0; k < n; k++) entries.push(decoding.readVarUint8Array(decoder).slice())
      const checkpoint = tag === PayloadTag.CheckpointedSegments ? readCheckpoint(decoder, from, n) : undefined
      segments.push(checkpoint === undefined ? { author, from, signature, entries } : { author, from, signature, entries, checkpoint })
    }
    return { kind: 'segments', segments }
  }
  if (tag === PayloadTag.Announcement) {
    const author = readFixed(decoder, 32)
    const seq = readSeq(decoder)
    return { kind: 'announcement', author, seq, head: readFixed(decoder, 32), digest: readFixed(decoder, 32), signature: readFixed(decoder, 64) }
  }
  throw new RangeError(`unknown payload tag ${tag}`)
}

/** A run's checkpoint flag and, when set, the checkpoint (which must lie within a run from 1). */
function readCheckpoint(decoder: decoding.Decoder, from: number, entries: number): Checkpoint | undefined {
  const flag = decoding.readUint8(decoder)
  if (flag === 0) return undefined
  if (flag !== 1) throw new RangeError(`checkpoint flag ${flag}`)
  const seq = readSeq(decoder)
  if (from !== 1 || seq > entries) throw new RangeError('a checkpoint beyond its run')
  const head = readFixed(decoder, 32)
  const signature = readFixed(decoder, 64)
  const update = decoding.readVarUint8Array(decoder).slice()
  return { seq, head, signature, update }
}

function readFixed(decoder: decoding.Decoder, length: number): Uint8Array {
  return decoding.readUint8Array(decoder, length).slice()
}

function readU53(decoder: decoding.Decoder): number {
  const value = decoding.readVarUint(decoder)
  if (!Number.isSafeInteger(value)) throw new RangeError('number out of range')
  return value
}

function readSeq(decoder: decoding.Decoder): number {
  const seq = readU53(decoder)
  if (seq < 1) throw new RangeError('sequence numbers start at 1')
  return seq
}

function readCount(decoder: decoding.Decoder, max: number): number {
  const count = readU53(decoder)
  // Every listed item takes at least one byte: a count beyond the bytes left is a lie.
  if (count > max || count > decoder.arr.length - decoder.pos) throw new RangeError(`count ${count} over its limit`)
  return count
}
