/**
 * The wire codec: {@link encodeFrame} turns a {@link Frame} into bytes and
 * {@link decodeFrame} turns untrusted bytes back into a validated frame, or throws a
 * {@link ProtocolError} and nothing else. docs/PROTOCOL.md specifies the byte layouts.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { ProtocolError } from '../errors.js'
import type { Frame } from './messages.js'
import { readFrame, writeFrame } from './frame-table.js'
import { fail, remaining } from './primitives.js'

/** The symmetric `write*` / `read*` pair of every frame type. */
export * from './frame-io.js'
export * from './frame-io-sync.js'
export * from './frame-io-parts.js'
export * from './frame-io-members.js'
export * from './frame-io-auth.js'
export * from './frame-io-presence.js'

/** The outcome of {@link tryDecodeFrame}: a frame, or the reason it was rejected. */
export type DecodeResult = { ok: true; frame: Frame } | { ok: false; error: ProtocolError }

/** A protocol version range, both ends inclusive. */
export interface VersionRange {
  min: number
  max: number
}

/** Re-labels any error as a {@link ProtocolError} from `peerId`, keeping the cause. */
function asProtocolError(err: unknown, peerId: string | undefined, verb: string): ProtocolError {
  if (err instanceof ProtocolError) {
    const options = err.cause === undefined ? undefined : { cause: err.cause }
    return new ProtocolError(`cannot ${verb} frame: ${err.message}`, peerId, options)
  }
  const message = err instanceof Error ? err.message : String(err)
  return new ProtocolError(`cannot ${verb} frame: ${message}`, peerId, { cause: err })
}

/**
 * Encodes one frame. The frame is validated with the same rules as {@link decodeFrame}
 * (limits, enum values, versions, distinct non-empty peer ids, `id`/`checksum` equal to
 * `hash53(update)`), so the result is always accepted by a peer of the same version.
 *
 * @throws {@link ProtocolError} when the frame is invalid (a bug in the caller).
 */
export function encodeFrame(frame: Frame): Uint8Array {
  const encoder = encoding.createEncoder()
  try {
    writeFrame(encoder, frame)
  } catch (err) {
    throw asProtocolError(err, undefined, 'encode')
  }
  return encoding.toUint8Array(encoder)
}

/**
 * Decodes and validates exactly one frame from untrusted bytes. Byte arrays in the result
 * are copies, so `bytes` may be reused afterwards.
 *
 * @param bytes - one transport message.
 * @param peerId - the remote peer that sent it, recorded on the error.
 * @throws {@link ProtocolError} and only that: unknown type, truncated input, trailing
 * bytes, a field over {@link LIMITS} or out of range, or a failed hash check. Any lower
 * level error is its `cause`.
 */
export function decodeFrame(bytes: Uint8Array, peerId?: string): Frame {
  try {
    if (!(bytes instanceof Uint8Array)) fail('frame', 'not a Uint8Array')
    const decoder = decoding.createDecoder(bytes)
    const frame = readFrame(decoder)
    if (remaining(decoder) > 0) fail('frame', `${remaining(decoder)} trailing bytes after a frame of type ${frame.type}`)
    return frame
  } catch (err) {
    throw asProtocolError(err, peerId, 'decode')
  }
}

/**
 * Like {@link decodeFrame}, but returns the error instead of throwing it: convenient in
 * network callbacks, which must never throw.
 */
export function tryDecodeFrame(bytes: Uint8Array, peerId?: string): DecodeResult {
  try {
    return { ok: true, frame: decodeFrame(bytes, peerId) }
  } catch (err) {
    return { ok: false, error: err instanceof ProtocolError ? err : asProtocolError(err, peerId, 'decode') }
  }
}

/** True when `range` is a non-empty range of positive integer versions. */
function isValidRange(range: VersionRange): boolean {
  return Number.isSafeInteger(range.min) && Number.isSafeInteger(range.max) && range.min >= 1 && range.min <= range.max
}

/**
 * The highest protocol version both ranges contain, or `undefined` when they do not
 * overlap (or either range is not a non-empty range of positive integers). The acceptor
 * of a Hello calls it with its own range and the Hello's `versionMin`/`versionMax`.
 */
export function negotiateVersion(local: VersionRange, remote: VersionRange): number | undefined {
  if (!isValidRange(local) || !isValidRange(remote)) return undefined
  const lowest = Math.max(local.min, remote.min)
  const highest = Math.min(local.max, remote.max)
  return lowest <= highest ? highest : undefined
}
