/**
 * The `write*` / `read*` pairs of the authenticated session frames (protocol version 5,
 * protocol/messages-auth.ts). Like every pair, a writer validates what it is given with the
 * reader's rules and both throw {@link ProtocolError}. These frames have no room field on
 * the wire: after the type tag come the fields, fixed-size ones as raw bytes.
 */
import { fromBase64UrlEncoded, toBase64UrlEncoded } from 'lib0/buffer'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { FrameType, type FrameTypeTag } from './messages.js'
import {
  AUTH_SIZES,
  RekeyStage,
  type AuthConfirmFrame,
  type AuthHelloFrame,
  type AuthWelcomeFrame,
  type RekeyFrame,
  type SealedFrame,
} from './messages-auth.js'
import { checkVersionRange, fail, readU53, readVersion, remaining, writeVersion } from './primitives.js'

/** The first protocol version whose AuthHello carries an X25519 share. */
const SHARE_VERSION = 5

function writeTag(encoder: encoding.Encoder, type: FrameTypeTag, room: string): void {
  if (room !== '') fail('room', 'an authenticated session frame never names its room')
  encoding.writeVarUint(encoder, type)
}

function readTag(decoder: decoding.Decoder, type: FrameTypeTag): '' {
  const tag = readU53(decoder, 'type')
  if (tag !== type) fail('type', `expected frame type ${type}, got ${tag}`)
  return ''
}

/** Writes exactly `size` raw bytes. */
function writeFixed(encoder: encoding.Encoder, bytes: Uint8Array, field: string, size: number): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== size) fail(field, `expected ${size} bytes`)
  encoding.writeUint8Array(encoder, bytes)
}

/** Reads exactly `size` raw bytes, copied out of the input. */
function readFixed(decoder: decoding.Decoder, field: string, size: number): Uint8Array {
  if (remaining(decoder) < size) fail(field, `truncated: ${size} bytes expected, ${remaining(decoder)} left`)
  return decoding.readUint8Array(decoder, size).slice()
}

/** Writes a key-derived peer id as its 32-byte public key. */
function writeKeyPeerId(encoder: encoding.Encoder, peerId: string, field: string): void {
  const bytes = typeof peerId === 'string' && /^[A-Za-z0-9_-]{43}$/.test(peerId) ? fromBase64UrlEncoded(peerId) : undefined
  if (bytes?.length !== AUTH_SIZES.publicKey || toBase64UrlEncoded(bytes) !== peerId) fail(field, 'not a key-derived peer id (43 base64url characters)')
  encoding.writeUint8Array(encoder, bytes)
}

/** Reads a 32-byte public key as its key-derived peer id (canonical base64url). */
function readKeyPeerId(decoder: decoding.Decoder, field: string): string {
  return toBase64UrlEncoded(readFixed(decoder, field, AUTH_SIZES.publicKey))
}

/** Writes an {@link AuthHelloFrame}. */
export function writeAuthHello(encoder: encoding.Encoder, frame: AuthHelloFrame): void {
  checkVersionRange(frame.versionMin, frame.versionMax)
  writeTag(encoder, FrameType.AuthHello, frame.room)
  writeFixed(encoder, frame.tag, 'tag', AUTH_SIZES.tag)
  writeKeyPeerId(encoder, frame.peerId, 'peerId')
  writeVersion(encoder, frame.versionMin, 'versionMin')
  writeVersion(encoder, frame.versionMax, 'versionMax')
  writeFixed(encoder, frame.keyId, 'keyId', AUTH_SIZES.keyId)
  writeFixed(encoder, frame.nonce, 'nonce', AUTH_SIZES.nonce)
  if (frame.versionMax >= SHARE_VERSION) writeFixed(encoder, frame.share, 'share', AUTH_SIZES.share)
  else if (!(frame.share instanceof Uint8Array) || frame.share.length !== 0) fail('share', `no share before version ${SHARE_VERSION}`)
}

/**
 * Reads an {@link AuthHelloFrame}. The share is there when `versionMax` is 5 or more; a
 * hello of a build before version 5 ends after its nonce and reads with an empty share, so
 * the acceptor answers it with `VersionMismatch` rather than a decoding failure.
 */
export function readAuthHello(decoder: decoding.Decoder): AuthHelloFrame {
  const room = readTag(decoder, FrameType.AuthHello)
  const tag = readFixed(decoder, 'tag', AUTH_SIZES.tag)
  const peerId = readKeyPeerId(decoder, 'peerId')
  const versionMin = readVersion(decoder, 'versionMin')
  const versionMax = readVersion(decoder, 'versionMax')
  checkVersionRange(versionMin, versionMax)
  const keyId = readFixed(decoder, 'keyId', AUTH_SIZES.keyId)
  const nonce = readFixed(decoder, 'nonce', AUTH_SIZES.nonce)
  const share = versionMax >= SHARE_VERSION ? readFixed(decoder, 'share', AUTH_SIZES.share) : new Uint8Array(0)
  return { type: FrameType.AuthHello, room, tag, peerId, versionMin, versionMax, keyId, nonce, share }
}

/** Writes an {@link AuthWelcomeFrame}. */
export function writeAuthWelcome(encoder: encoding.Encoder, frame: AuthWelcomeFrame): void {
  writeTag(encoder, FrameType.AuthWelcome, frame.room)
  writeKeyPeerId(encoder, frame.peerId, 'peerId')
  writeVersion(encoder, frame.version, 'version')
  writeFixed(encoder, frame.keyId, 'keyId', AUTH_SIZES.keyId)
  writeFixed(encoder, frame.nonce, 'nonce', AUTH_SIZES.nonce)
  writeFixed(encoder, frame.share, 'share', AUTH_SIZES.share)
  writeFixed(encoder, frame.signature, 'signature', AUTH_SIZES.signature)
  writeFixed(encoder, frame.proof, 'proof', AUTH_SIZES.proof)
}

/** Reads an {@link AuthWelcomeFrame}. */
export function readAuthWelcome(decoder: decoding.Decoder): AuthWelcomeFrame {
  const room = readTag(decoder, FrameType.AuthWelcome)
  const peerId = readKeyPeerId(decoder, 'peerId')
  const version = readVersion(decoder, 'version')
  const keyId = readFixed(decoder, 'keyId', AUTH_SIZES.keyId)
  const nonce = readFixed(decoder, 'nonce', AUTH_SIZES.nonce)
  const share = readFixed(decoder, 'share', AUTH_SIZES.share)
  const signature = readFixed(decoder, 'signature', AUTH_SIZES.signature)
  const proof = readFixed(decoder, 'proof', AUTH_SIZES.proof)
  return { type: FrameType.AuthWelcome, room, peerId, version, keyId, nonce, share, signature, proof }
}

/** Writes an {@link AuthConfirmFrame}. */
export function writeAuthConfirm(encoder: encoding.Encoder, frame: AuthConfirmFrame): void {
  writeTag(encoder, FrameType.AuthConfirm, frame.room)
  writeFixed(encoder, frame.signature, 'signature', AUTH_SIZES.signature)
  writeFixed(encoder, frame.proof, 'proof', AUTH_SIZES.proof)
}

/** Reads an {@link AuthConfirmFrame}. */
export function readAuthConfirm(decoder: decoding.Decoder): AuthConfirmFrame {
  const room = readTag(decoder, FrameType.AuthConfirm)
  const signature = readFixed(decoder, 'signature', AUTH_SIZES.signature)
  const proof = readFixed(decoder, 'proof', AUTH_SIZES.proof)
  return { type: FrameType.AuthConfirm, room, signature, proof }
}

/** Smallest sealed body: a one-byte sequence number and the tag (an empty plaintext). */
const MIN_SEALED = 1 + AUTH_SIZES.aeadTag

/** Writes a {@link SealedFrame}: the tag, then the sealer's output to the end of the message. */
export function writeSealed(encoder: encoding.Encoder, frame: SealedFrame): void {
  if (!(frame.sealed instanceof Uint8Array) || frame.sealed.length < MIN_SEALED) fail('sealed', `at least ${MIN_SEALED} bytes expected`)
  writeTag(encoder, FrameType.Sealed, frame.room)
  encoding.writeUint8Array(encoder, frame.sealed)
}

/**
 * Reads a {@link SealedFrame}: everything after the tag (at least 17 bytes). Whether it
 * opens is the session's business.
 */
export function readSealed(decoder: decoding.Decoder): SealedFrame {
  const room = readTag(decoder, FrameType.Sealed)
  const left = remaining(decoder)
  if (left < MIN_SEALED) fail('sealed', `truncated: at least ${MIN_SEALED} bytes expected, ${left} left`)
  return { type: FrameType.Sealed, room, sealed: decoding.readUint8Array(decoder, left).slice() }
}

/** Writes a {@link RekeyFrame}. */
export function writeRekey(encoder: encoding.Encoder, frame: RekeyFrame): void {
  writeTag(encoder, FrameType.Rekey, frame.room)
  const stage: number = frame.stage
  if (stage !== RekeyStage.Offer && stage !== RekeyStage.Answer && stage !== RekeyStage.Confirm) fail('stage', `unknown rekey stage ${String(stage)}`)
  encoding.writeUint8(encoder, frame.stage)
  writeFixed(encoder, frame.keyId, 'keyId', AUTH_SIZES.keyId)
  if (frame.stage !== RekeyStage.Confirm) {
    writeFixed(encoder, frame.nonce, 'nonce', AUTH_SIZES.nonce)
    writeFixed(encoder, frame.share, 'share', AUTH_SIZES.share)
  }
  if (frame.stage !== RekeyStage.Offer) {
    writeFixed(encoder, frame.signature, 'signature', AUTH_SIZES.signature)
    writeFixed(encoder, frame.proof, 'proof', AUTH_SIZES.proof)
  }
}

/** Reads a {@link RekeyFrame}. */
export function readRekey(decoder: decoding.Decoder): RekeyFrame {
  const room = readTag(decoder, FrameType.Rekey)
  if (remaining(decoder) < 1) fail('stage', 'truncated')
  const stage = decoding.readUint8(decoder)
  const keyId = readFixed(decoder, 'keyId', AUTH_SIZES.keyId)
  switch (stage) {
    case RekeyStage.Offer: {
      const nonce = readFixed(decoder, 'nonce', AUTH_SIZES.nonce)
      return { type: FrameType.Rekey, room, stage, keyId, nonce, share: readFixed(decoder, 'share', AUTH_SIZES.share) }
    }
    case RekeyStage.Answer: {
      const nonce = readFixed(decoder, 'nonce', AUTH_SIZES.nonce)
      const share = readFixed(decoder, 'share', AUTH_SIZES.share)
      const signature = readFixed(decoder, 'signature', AUTH_SIZES.signature)
      const proof = readFixed(decoder, 'proof', AUTH_SIZES.proof)
      return { type: FrameType.Rekey, room, stage, keyId, nonce, share, signature, proof }
    }
    case RekeyStage.Confirm: {
      const signature = readFixed(decoder, 'signature', AUTH_SIZES.signature)
      const proof = readFixed(decoder, 'proof', AUTH_SIZES.proof)
      return { type: FrameType.Rekey, room, stage, keyId, signature, proof }
    }
    default:
      return fail('stage', `unknown rekey stage ${stage}`)
  }
}
