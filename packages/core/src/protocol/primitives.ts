/**
 * Field-level readers and writers of the wire protocol. Every reader validates what it
 * reads and throws {@link ProtocolError}; every writer validates what it is given with the
 * same rules, so that an encoded frame is always one that peers accept.
 *
 * Lengths are checked against {@link LIMITS} and against the bytes left in the input
 * before anything is read or allocated. Integers must use the shortest varUint form, so
 * that every accepted frame re-encodes to exactly the bytes it came from.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as string from 'lib0/string'
import { ProtocolError } from '../errors.js'
import { CloseCode, JoinPriority, LIMITS } from './messages.js'
import type { CloseCodeValue, JoinPriorityValue } from './messages.js'

/** Throws a {@link ProtocolError} naming the offending field. */
export function fail(field: string, problem: string, cause?: unknown): never {
  throw new ProtocolError(`${field}: ${problem}`, undefined, cause === undefined ? undefined : { cause })
}

/** Bytes not yet read from `decoder`. */
export function remaining(decoder: decoding.Decoder): number {
  return decoder.arr.length - decoder.pos
}

/** Number of bytes the shortest varUint encoding of `value` takes. */
export function varUintLength(value: number): number {
  let length = 1
  for (let rest = Math.floor(value / 128); rest > 0; rest = Math.floor(rest / 128)) length++
  return length
}

/** Reads a varUint in shortest form that is a safe (53-bit) non-negative integer. */
export function readU53(decoder: decoding.Decoder, field: string): number {
  const start = decoder.pos
  let value: number
  try {
    value = decoding.readVarUint(decoder)
  } catch (err) {
    return fail(field, 'truncated or oversized varUint', err)
  }
  if (!Number.isSafeInteger(value)) fail(field, 'varUint is not a 53-bit integer')
  if (decoder.pos - start !== varUintLength(value)) fail(field, 'varUint is not in shortest form')
  return value
}

/** Writes a safe (53-bit) non-negative integer as a varUint. */
export function writeU53(encoder: encoding.Encoder, value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 0) fail(field, `not a 53-bit non-negative integer: ${value}`)
  encoding.writeVarUint(encoder, value)
}

/** Reads a protocol version: a positive integer. */
export function readVersion(decoder: decoding.Decoder, field: string): number {
  const version = readU53(decoder, field)
  if (version < 1) fail(field, 'version must be a positive integer')
  return version
}

/** Writes a protocol version: a positive integer. */
export function writeVersion(encoder: encoding.Encoder, version: number, field: string): void {
  if (!Number.isSafeInteger(version) || version < 1) fail(field, `version must be a positive integer: ${version}`)
  encoding.writeVarUint(encoder, version)
}

/** Checks that a version range is non-empty (`min <= max`). */
export function checkVersionRange(min: number, max: number): void {
  if (min > max) fail('versionMin', `greater than versionMax (${min} > ${max})`)
}

/** Reads a boolean: exactly one byte, 0 or 1. */
export function readBool(decoder: decoding.Decoder, field: string): boolean {
  if (remaining(decoder) < 1) fail(field, 'truncated')
  const byte = decoding.readUint8(decoder)
  if (byte !== 0 && byte !== 1) fail(field, `boolean byte must be 0 or 1, got ${byte}`)
  return byte === 1
}

/** Writes a boolean as one byte, 0 or 1. */
export function writeBool(encoder: encoding.Encoder, value: boolean, field: string): void {
  if (typeof value !== 'boolean') fail(field, 'not a boolean')
  encoding.writeUint8(encoder, value ? 1 : 0)
}

/** Reads a varUint length, checking it against `limit` and the bytes left. */
function readLength(decoder: decoding.Decoder, field: string, limit: number): number {
  const length = readU53(decoder, field)
  if (length > limit) fail(field, `length ${length} exceeds the limit of ${limit}`)
  if (length > remaining(decoder)) fail(field, `truncated: length ${length}, ${remaining(decoder)} bytes left`)
  return length
}

/** Reads a varUint8Array of at most `limit` bytes, copied out of the input. */
export function readBytes(decoder: decoding.Decoder, field: string, limit: number): Uint8Array {
  const length = readLength(decoder, field, limit)
  return decoding.readUint8Array(decoder, length).slice()
}

/** Writes a varUint8Array of at most `limit` bytes. */
export function writeBytes(encoder: encoding.Encoder, bytes: Uint8Array, field: string, limit: number): void {
  if (!(bytes instanceof Uint8Array)) fail(field, 'not a Uint8Array')
  if (bytes.length > limit) fail(field, `length ${bytes.length} exceeds the limit of ${limit}`)
  encoding.writeVarUint8Array(encoder, bytes)
}

/** Reads a varString of at most `limit` UTF-8 bytes; invalid UTF-8 is rejected. */
export function readString(decoder: decoding.Decoder, field: string, limit: number): string {
  const length = readLength(decoder, field, limit)
  const bytes = decoding.readUint8Array(decoder, length)
  try {
    return string.decodeUtf8(bytes)
  } catch (err) {
    return fail(field, 'invalid UTF-8', err)
  }
}

/** Matches a lone UTF-16 surrogate, which UTF-8 cannot represent. */
const LONE_SURROGATE = /\p{Cs}/u

/** Writes a varString of at most `limit` UTF-8 bytes. */
export function writeString(encoder: encoding.Encoder, value: string, field: string, limit: number): void {
  if (typeof value !== 'string') fail(field, 'not a string')
  if (LONE_SURROGATE.test(value)) fail(field, 'contains a lone surrogate (not valid UTF-8)')
  const bytes = string.encodeUtf8(value)
  if (bytes.length > limit) fail(field, `${bytes.length} UTF-8 bytes exceed the limit of ${limit}`)
  encoding.writeVarUint8Array(encoder, bytes)
}

/**
 * Reads a room name of at most `LIMITS.roomBytes`. Empty means "the room of this link" and
 * is allowed only when `named` is false (frames after the handshake).
 */
export function readRoom(decoder: decoding.Decoder, named: boolean): string {
  const room = readString(decoder, 'room', LIMITS.roomBytes)
  if (named && room === '') fail('room', 'empty in a handshake frame')
  return room
}

/** Writes a room name of at most `LIMITS.roomBytes`; empty only when `named` is false. */
export function writeRoom(encoder: encoding.Encoder, room: string, named: boolean): void {
  if (named && room === '') fail('room', 'empty in a handshake frame')
  writeString(encoder, room, 'room', LIMITS.roomBytes)
}

/** Reads a peer id: non-empty, at most `LIMITS.peerIdBytes`. */
export function readPeerId(decoder: decoding.Decoder, field: string): string {
  const peerId = readString(decoder, field, LIMITS.peerIdBytes)
  if (peerId === '') fail(field, 'empty peer id')
  return peerId
}

/** Writes a peer id: non-empty, at most `LIMITS.peerIdBytes`. */
export function writePeerId(encoder: encoding.Encoder, peerId: string, field: string): void {
  if (peerId === '') fail(field, 'empty peer id')
  writeString(encoder, peerId, field, LIMITS.peerIdBytes)
}

/** Reads a list of distinct peer ids: varUint count, then that many peer ids. */
export function readPeerList(decoder: decoding.Decoder, field: string): string[] {
  const count = readU53(decoder, field)
  if (count > LIMITS.peersPerFrame) fail(field, `${count} peers exceed the limit of ${LIMITS.peersPerFrame}`)
  // Each peer id takes at least two bytes (length and one character).
  if (count * 2 > remaining(decoder)) fail(field, `truncated: ${count} peers, ${remaining(decoder)} bytes left`)
  const peers: string[] = []
  const seen = new Set<string>()
  for (let i = 0; i < count; i++) {
    const peer = readPeerId(decoder, `${field}[${i}]`)
    if (seen.has(peer)) fail(field, `duplicate peer id ${JSON.stringify(peer)}`)
    seen.add(peer)
    peers.push(peer)
  }
  return peers
}

/** Writes a list of distinct peer ids. */
export function writePeerList(encoder: encoding.Encoder, peers: readonly string[], field: string): void {
  const untrusted: unknown = peers
  if (!Array.isArray(untrusted)) fail(field, 'not an array')
  if (peers.length > LIMITS.peersPerFrame) {
    fail(field, `${peers.length} peers exceed the limit of ${LIMITS.peersPerFrame}`)
  }
  if (new Set(peers).size !== peers.length) fail(field, 'duplicate peer ids')
  encoding.writeVarUint(encoder, peers.length)
  peers.forEach((peer, i) => {
    writePeerId(encoder, peer, `${field}[${i}]`)
  })
}

/** Every valid {@link JoinPriority}. */
const PRIORITIES: ReadonlySet<number> = new Set(Object.values(JoinPriority))
/** Every valid {@link CloseCode}. */
const CLOSE_CODES: ReadonlySet<number> = new Set(Object.values(CloseCode))

function isPriority(value: number): value is JoinPriorityValue {
  return PRIORITIES.has(value)
}

function isCloseCode(value: number): value is CloseCodeValue {
  return CLOSE_CODES.has(value)
}

/** Reads a {@link JoinPriority} value. */
export function readPriority(decoder: decoding.Decoder): JoinPriorityValue {
  const value = readU53(decoder, 'priority')
  if (!isPriority(value)) return fail('priority', `unknown join priority ${value}`)
  return value
}

/** Writes a {@link JoinPriority} value. */
export function writePriority(encoder: encoding.Encoder, value: JoinPriorityValue): void {
  if (!isPriority(value)) fail('priority', `unknown join priority ${String(value)}`)
  encoding.writeVarUint(encoder, value)
}

/** Reads a {@link CloseCode} value. */
export function readCloseCode(decoder: decoding.Decoder): CloseCodeValue {
  const value = readU53(decoder, 'code')
  if (!isCloseCode(value)) return fail('code', `unknown close code ${value}`)
  return value
}

/** Writes a {@link CloseCode} value. */
export function writeCloseCode(encoder: encoding.Encoder, value: CloseCodeValue): void {
  if (!isCloseCode(value)) fail('code', `unknown close code ${String(value)}`)
  encoding.writeVarUint(encoder, value)
}

/** Reads an origin: a Yjs clientID, an integer below 2⁵³ (rooms with a secret use 53-bit clientIDs). */
export function readOrigin(decoder: decoding.Decoder, field: string): number {
  const origin = readU53(decoder, field)
  if (!Number.isSafeInteger(origin)) fail(field, `${origin} is not below 2⁵³`)
  return origin
}

/** Writes an origin: a Yjs clientID, an integer below 2⁵³. */
export function writeOrigin(encoder: encoding.Encoder, origin: number, field: string): void {
  if (!Number.isSafeInteger(origin) || origin < 0) fail(field, `${String(origin)} is not an integer in 0..2⁵³`)
  encoding.writeVarUint(encoder, origin)
}

/** Reads a list of distinct origins: varUint count (≤ `LIMITS.originsPerFrame`), then the origins. */
export function readOriginList(decoder: decoding.Decoder, field: string): number[] {
  const count = readU53(decoder, field)
  if (count > LIMITS.originsPerFrame) fail(field, `${count} origins exceed the limit of ${LIMITS.originsPerFrame}`)
  if (count > remaining(decoder)) fail(field, `truncated: ${count} origins, ${remaining(decoder)} bytes left`)
  const origins: number[] = []
  const seen = new Set<number>()
  for (let i = 0; i < count; i++) {
    const origin = readOrigin(decoder, `${field}[${i}]`)
    if (seen.has(origin)) fail(field, `duplicate origin ${origin}`)
    seen.add(origin)
    origins.push(origin)
  }
  return origins
}

/** Writes a list of distinct origins. */
export function writeOriginList(encoder: encoding.Encoder, origins: readonly number[], field: string): void {
  const untrusted: unknown = origins
  if (!Array.isArray(untrusted)) fail(field, 'not an array')
  if (origins.length > LIMITS.originsPerFrame) fail(field, `${origins.length} origins exceed the limit of ${LIMITS.originsPerFrame}`)
  if (new Set(origins).size !== origins.length) fail(field, 'duplicate origins')
  encoding.writeVarUint(encoder, origins.length)
  origins.forEach((origin, i) => {
    writeOrigin(encoder, origin, `${field}[${i}]`)
  })
}
