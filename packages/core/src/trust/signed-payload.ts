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
 *   the first seq, the signature, a count and the entries.
 *
 * Decoding validates every field and its limits, and throws an {@link UpdateRejectedError}.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { UpdateRejectedError } from '../errors.js'

/** Tags of the three payloads. */
export const PayloadTag = { Update: 1, Heads: 2, Segments: 3 } as const

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
}

/** A decoded payload. */
export type Payload = ({ kind: 'update' } & SignedUpdate) | { kind: 'heads'; heads: Head[] } | { kind: 'segments'; segments: Segment[] }

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
  encoding.writeUint8(encoder, PayloadTag.Segments)
  encoding.writeVarUint(encoder, segments.length)
  for (const segment of segments) {
    encoding.writeUint8Array(encoder, segment.author)
    encoding.writeVarUint(encoder, segment.from)
    encoding.writeUint8Array(encoder, segment.signature)
    encoding.writeVarUint(encoder, segment.entries.length)
    for (const entry of segment.entries) encoding.writeVarUint8Array(encoder, entry)
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
  if (tag === PayloadTag.Segments) {
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
      segments.push({ author, from, signature, entries })
    }
    return { kind: 'segments', segments }
  }
  throw new RangeError(`unknown payload tag ${tag}`)
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
