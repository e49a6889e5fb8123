/**
 * The wire codec: {@link encodeFrame} turns a {@link Frame} into bytes and
 * {@link decodeFrame} turns untrusted bytes back into a validated frame, or throws a
 * {@link ProtocolError} and nothing else. docs/PROTOCOL.md specifies the byte layouts.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { ProtocolError } from '../errors.js'
import type { Frame } from './messages.js'
import { FrameType } from './messages.js'
import {
  readDisconnect,
  readHello,
  readPeers,
  readPing,
  readPong,
  readRelay,
  readReject,
  readWelcome,
  writeDisconnect,
  writeHello,
  writePeers,
  writePing,
  writePong,
  writeRelay,
  writeReject,
  writeWelcome,
} from './frame-io.js'
import {
  readAwareness,
  readDelta,
  readDigest,
  readDigestMatch,
  readGraft,
  readPrune,
  readSyncReply,
  readSyncRequest,
  writeAwareness,
  writeDelta,
  writeDigest,
  writeDigestMatch,
  writeGraft,
  writePrune,
  writeSyncReply,
  writeSyncRequest,
} from './frame-io-sync.js'
import { readSyncPart, writeSyncPart } from './frame-io-parts.js'
import {
  readMembers,
  readProbe,
  readProbeAck,
  readProbeReport,
  readProbeRequest,
  readQuery,
  readQueryReply,
  readRoomEvent,
  writeMembers,
  writeProbe,
  writeProbeAck,
  writeProbeReport,
  writeProbeRequest,
  writeQuery,
  writeQueryReply,
  writeRoomEvent,
} from './frame-io-members.js'
import {
  readAuthConfirm,
  readAuthHello,
  readAuthWelcome,
  readRekey,
  readSealed,
  writeAuthConfirm,
  writeAuthHello,
  writeAuthWelcome,
  writeRekey,
  writeSealed,
} from './frame-io-auth.js'
import { readSignedAwareness, readSignedRelay, writeSignedAwareness, writeSignedRelay } from './frame-io-presence.js'
import { fail, readU53, remaining } from './primitives.js'

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

/** Writes `frame` (type tag, room, fields) with the matching `write*` function. */
function writeFrame(encoder: encoding.Encoder, frame: Frame): void {
  switch (frame.type) {
    case FrameType.Hello:
      writeHello(encoder, frame)
      return
    case FrameType.Welcome:
      writeWelcome(encoder, frame)
      return
    case FrameType.Reject:
      writeReject(encoder, frame)
      return
    case FrameType.Delta:
      writeDelta(encoder, frame)
      return
    case FrameType.Digest:
      writeDigest(encoder, frame)
      return
    case FrameType.DigestMatch:
      writeDigestMatch(encoder, frame)
      return
    case FrameType.SyncRequest:
      writeSyncRequest(encoder, frame)
      return
    case FrameType.SyncReply:
      writeSyncReply(encoder, frame)
      return
    case FrameType.Peers:
      writePeers(encoder, frame)
      return
    case FrameType.Disconnect:
      writeDisconnect(encoder, frame)
      return
    case FrameType.Ping:
      writePing(encoder, frame)
      return
    case FrameType.Pong:
      writePong(encoder, frame)
      return
    case FrameType.Awareness:
      writeAwareness(encoder, frame)
      return
    case FrameType.Relay:
      writeRelay(encoder, frame)
      return
    case FrameType.Prune:
      writePrune(encoder, frame)
      return
    case FrameType.Graft:
      writeGraft(encoder, frame)
      return
    case FrameType.SyncPart:
      writeSyncPart(encoder, frame)
      return
    case FrameType.Probe: return writeProbe(encoder, frame)
    case FrameType.ProbeAck: return writeProbeAck(encoder, frame)
    case FrameType.ProbeRequest: return writeProbeRequest(encoder, frame)
    case FrameType.ProbeReport: return writeProbeReport(encoder, frame)
    case FrameType.Members: return writeMembers(encoder, frame)
    case FrameType.RoomEvent: return writeRoomEvent(encoder, frame)
    case FrameType.Query: return writeQuery(encoder, frame)
    case FrameType.QueryReply: return writeQueryReply(encoder, frame)
    case FrameType.AuthHello:
      writeAuthHello(encoder, frame)
      return
    case FrameType.AuthWelcome:
      writeAuthWelcome(encoder, frame)
      return
    case FrameType.AuthConfirm:
      writeAuthConfirm(encoder, frame)
      return
    case FrameType.Sealed:
      writeSealed(encoder, frame)
      return
    case FrameType.Rekey:
      writeRekey(encoder, frame)
      return
    case FrameType.SignedAwareness:
      writeSignedAwareness(encoder, frame)
      return
    case FrameType.SignedRelay:
      writeSignedRelay(encoder, frame)
      return
    default: return fail('type', `unknown frame type ${String((frame as { type: unknown }).type)}`)
  }
}

/** Reads one frame, dispatching on its type tag (which the reader reads again). */
function readFrame(decoder: decoding.Decoder): Frame {
  const tag = readU53(decoding.clone(decoder), 'type')
  switch (tag) {
    case FrameType.Hello: return readHello(decoder)
    case FrameType.Welcome: return readWelcome(decoder)
    case FrameType.Reject: return readReject(decoder)
    case FrameType.Delta: return readDelta(decoder)
    case FrameType.Digest: return readDigest(decoder)
    case FrameType.DigestMatch: return readDigestMatch(decoder)
    case FrameType.SyncRequest: return readSyncRequest(decoder)
    case FrameType.SyncReply: return readSyncReply(decoder)
    case FrameType.Peers: return readPeers(decoder)
    case FrameType.Disconnect: return readDisconnect(decoder)
    case FrameType.Ping: return readPing(decoder)
    case FrameType.Pong: return readPong(decoder)
    case FrameType.Awareness: return readAwareness(decoder)
    case FrameType.Relay: return readRelay(decoder)
    case FrameType.Prune: return readPrune(decoder)
    case FrameType.Graft: return readGraft(decoder)
    case FrameType.SyncPart: return readSyncPart(decoder)
    case FrameType.Probe: return readProbe(decoder)
    case FrameType.ProbeAck: return readProbeAck(decoder)
    case FrameType.ProbeRequest: return readProbeRequest(decoder)
    case FrameType.ProbeReport: return readProbeReport(decoder)
    case FrameType.Members: return readMembers(decoder)
    case FrameType.RoomEvent: return readRoomEvent(decoder)
    case FrameType.Query: return readQuery(decoder)
    case FrameType.QueryReply: return readQueryReply(decoder)
    case FrameType.AuthHello: return readAuthHello(decoder)
    case FrameType.AuthWelcome: return readAuthWelcome(decoder)
    case FrameType.AuthConfirm: return readAuthConfirm(decoder)
    case FrameType.Sealed: return readSealed(decoder)
    case FrameType.Rekey: return readRekey(decoder)
    case FrameType.SignedAwareness: return readSignedAwareness(decoder)
    case FrameType.SignedRelay: return readSignedRelay(decoder)
    default: return fail('type', `unknown frame type ${tag}`)
  }
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
