/**
 * The `write*` / `read*` pairs of the signed presence and relay frames (see
 * messages-presence.ts), with the conventions of frame-io.ts: a writer validates what it
 * is given with the reader's rules, readers start at the type tag, and both throw
 * {@link ProtocolError}. Public keys and signatures have fixed lengths and are written
 * without a length prefix.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { readHead, writeHead } from './frame-head.js'
import { readRelayBody, writeRelayBody } from './frame-io.js'
import { FrameType, LIMITS } from './messages.js'
import { SIGNED_LIMITS, type SignedAwarenessEntry, type SignedAwarenessFrame, type SignedRelayFrame } from './messages-presence.js'
import { fail, readBool, readBytes, readU53, remaining, writeBool, writeBytes, writeU53 } from './primitives.js'

/** Writes exactly `length` bytes, no length prefix. */
function writeFixed(encoder: encoding.Encoder, bytes: Uint8Array, length: number, field: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) fail(field, `must be ${length} bytes`)
  encoding.writeUint8Array(encoder, bytes)
}

/** Reads exactly `length` bytes, copied out of the input. */
function readFixed(decoder: decoding.Decoder, length: number, field: string): Uint8Array {
  if (remaining(decoder) < length) fail(field, `truncated: ${length} bytes needed, ${remaining(decoder)} left`)
  return decoding.readUint8Array(decoder, length).slice()
}

/** Writes a {@link SignedAwarenessFrame}: 1 … 256 entries of distinct clients, states within `LIMITS.awarenessBytes` together. */
export function writeSignedAwareness(encoder: encoding.Encoder, frame: SignedAwarenessFrame): void {
  const entries: unknown = frame.entries
  if (!Array.isArray(entries) || frame.entries.length === 0) fail('entries', 'a SignedAwareness carries at least one entry')
  if (frame.entries.length > SIGNED_LIMITS.entriesPerFrame) fail('entries', `${frame.entries.length} entries exceed the limit of ${SIGNED_LIMITS.entriesPerFrame}`)
  if (new Set(frame.entries.map((e) => e.clientID)).size !== frame.entries.length) fail('entries', 'duplicate clientIDs')
  let budget = LIMITS.awarenessBytes
  writeHead(encoder, FrameType.SignedAwareness, frame.room)
  encoding.writeVarUint(encoder, frame.entries.length)
  frame.entries.forEach((entry, i) => {
    const field = `entries[${i}]`
    writeFixed(encoder, entry.publicKey, SIGNED_LIMITS.publicKeyBytes, `${field}.publicKey`)
    writeU53(encoder, entry.clientID, `${field}.clientID`)
    writeU53(encoder, entry.clock, `${field}.clock`)
    writeBool(encoder, entry.state !== null, `${field}.hasState`)
    if (entry.state !== null) {
      writeBytes(encoder, entry.state, `${field}.state`, budget)
      budget -= entry.state.length
    }
    writeFixed(encoder, entry.signature, SIGNED_LIMITS.signatureBytes, `${field}.signature`)
  })
}

/** Reads a {@link SignedAwarenessFrame}. Signatures and state JSON are checked by the room, not here. */
export function readSignedAwareness(decoder: decoding.Decoder): SignedAwarenessFrame {
  const room = readHead(decoder, FrameType.SignedAwareness)
  const count = readU53(decoder, 'entries')
  if (count === 0) fail('entries', 'a SignedAwareness carries at least one entry')
  if (count > SIGNED_LIMITS.entriesPerFrame) fail('entries', `${count} entries exceed the limit of ${SIGNED_LIMITS.entriesPerFrame}`)
  // Each entry takes at least 32 + 1 + 1 + 1 + 64 bytes.
  const smallest = SIGNED_LIMITS.publicKeyBytes + 3 + SIGNED_LIMITS.signatureBytes
  if (count * smallest > remaining(decoder)) fail('entries', `truncated: ${count} entries, ${remaining(decoder)} bytes left`)
  const entries: SignedAwarenessEntry[] = []
  const clients = new Set<number>()
  let budget = LIMITS.awarenessBytes
  for (let i = 0; i < count; i++) {
    const field = `entries[${i}]`
    const publicKey = readFixed(decoder, SIGNED_LIMITS.publicKeyBytes, `${field}.publicKey`)
    const clientID = readU53(decoder, `${field}.clientID`)
    const clock = readU53(decoder, `${field}.clock`)
    let state: Uint8Array | null = null
    if (readBool(decoder, `${field}.hasState`)) {
      state = readBytes(decoder, `${field}.state`, budget)
      budget -= state.length
    }
    const signature = readFixed(decoder, SIGNED_LIMITS.signatureBytes, `${field}.signature`)
    if (clients.has(clientID)) fail('entries', `duplicate clientID ${clientID}`)
    clients.add(clientID)
    entries.push({ publicKey, clientID, clock, state, signature })
  }
  return { type: FrameType.SignedAwareness, room, entries }
}

/** Writes a {@link SignedRelayFrame}. */
export function writeSignedRelay(encoder: encoding.Encoder, frame: SignedRelayFrame): void {
  writeHead(encoder, FrameType.SignedRelay, frame.room)
  writeRelayBody(encoder, frame)
  writeFixed(encoder, frame.signature, SIGNED_LIMITS.signatureBytes, 'signature')
}

/** Reads a {@link SignedRelayFrame}. The signature is checked by the room, not here. */
export function readSignedRelay(decoder: decoding.Decoder): SignedRelayFrame {
  const room = readHead(decoder, FrameType.SignedRelay)
  const fields = readRelayBody(decoder)
  const signature = readFixed(decoder, SIGNED_LIMITS.signatureBytes, 'signature')
  return { type: FrameType.SignedRelay, room, ...fields, signature }
}
