/**
 * The authenticated key exchange of a session in a room with a secret, as async functions
 * of its three frames (AuthHello, AuthWelcome, AuthConfirm) and the crypto they share with
 * the in-band rekey: the room tag, the transcript context, the ephemeral X25519 agreement,
 * and each side's attestation (an Ed25519 signature with its identity key plus a proof of the
 * room secret, both over the transcript hash, which holds both X25519 shares, and bound to
 * its role). The session layer sends and receives the frames; nothing here touches a
 * connection.
 */
import * as encoding from 'lib0/encoding'
import { bytesEqual, concatBytes, utf8 } from '../crypto/bytes.js'
import { ephemeralKey, type EphemeralKey } from '../crypto/key-agreement.js'
import { publicKeyFromPeerId } from '../crypto/peer-id.js'
import type { RoomKeys } from '../crypto/room-keys.js'
import { deriveSessionKeys, type SessionKeys } from '../crypto/session-keys.js'
import { proveSecret, verifySecretProof } from '../crypto/secret-proof.js'
import { handshakeNonce, handshakeTranscript, type HandshakeRole, type HandshakeTranscript } from '../crypto/transcript.js'
import { AuthenticationError, VersionMismatchError, type AuthFailure } from '../errors.js'
import { negotiateVersion } from '../protocol/codec.js'
import { FrameType } from '../protocol/messages.js'
import type { AuthConfirmFrame, AuthHelloFrame, AuthWelcomeFrame } from '../protocol/messages-auth.js'
import type { PeerId } from '../transport.js'
import type { RoomTrust } from '../trust/room-trust.js'
import { TRUSTED_VERSIONS } from './handshake.js'

/** Domain-separation labels of the session layer's handshake (part of protocol versions 3 to 6). */
export const AUTH_LABELS = {
  /** Prefix of the MAC input of AuthHello's room tag. */
  roomTag: 'gossamer/v1/room-tag',
  /** Prefix of the transcript context of a session handshake. */
  handshake: 'gossamer/v1/session-auth',
  /** Prefix of the transcript context of an in-band rekey. */
  rekey: 'gossamer/v1/session-rekey',
  /** Prefix of the message each side signs: label ‖ 0x00 ‖ role ‖ transcript hash. */
  signature: 'gossamer/v1/session-signature',
} as const

const ROLE_BYTE: Record<HandshakeRole, number> = { initiator: 1, acceptor: 2 }

/** A handshake step that failed: what to report. */
export interface AuthRefusal {
  ok: false
  error: AuthenticationError | VersionMismatchError
}

function refusal(reason: AuthFailure, message: string, peer: PeerId, cause?: unknown): AuthRefusal {
  return { ok: false, error: new AuthenticationError(reason, message, peer, cause === undefined ? undefined : { cause }) }
}

/** The key generation named `keyId`: the current one, or one still in its grace period. */
export function keysFor(trust: RoomTrust, keyId: Uint8Array): RoomKeys | undefined {
  if (bytesEqual(trust.keys.keyId, keyId)) return trust.keys
  return trust.previousKeys.find((keys) => bytesEqual(keys.keyId, keyId))
}

/** AuthHello's room tag: HMAC(proof key, label ‖ 0x00 ‖ public key ‖ keyId ‖ nonce). */
export function roomTag(keys: RoomKeys, peerId: PeerId, nonce: Uint8Array): Promise<Uint8Array> {
  return keys.frame.proof.sign(concatBytes(utf8(AUTH_LABELS.roomTag), new Uint8Array([0]), publicKeyFromPeerId(peerId), keys.keyId, nonce))
}

/** The transcript context of a handshake: label, version, key id and room tag (lib0). */
function handshakeContext(version: number, keyId: Uint8Array, tag: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, AUTH_LABELS.handshake)
  encoding.writeVarUint(encoder, version)
  encoding.writeVarUint8Array(encoder, keyId)
  encoding.writeVarUint8Array(encoder, tag)
  return encoding.toUint8Array(encoder)
}

/** The transcript context of a rekey: label, version, new key id and the previous transcript hash (lib0). */
export function rekeyContext(version: number, keyId: Uint8Array, previous: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, AUTH_LABELS.rekey)
  encoding.writeVarUint(encoder, version)
  encoding.writeVarUint8Array(encoder, keyId)
  encoding.writeVarUint8Array(encoder, previous)
  return encoding.toUint8Array(encoder)
}

/** The bytes the `role` side signs: label ‖ 0x00 ‖ role byte ‖ transcript hash. */
function signedBytes(transcript: HandshakeTranscript, role: HandshakeRole): Uint8Array {
  return concatBytes(utf8(AUTH_LABELS.signature), new Uint8Array([0, ROLE_BYTE[role]]), transcript.hash)
}

/** This peer's attestation as the `role` side of `transcript`: its signature and its proof of the secret. */
export async function attest(trust: RoomTrust, keys: RoomKeys, transcript: HandshakeTranscript, role: HandshakeRole): Promise<{ signature: Uint8Array; proof: Uint8Array }> {
  const [signature, proof] = await Promise.all([trust.identity.sign(signedBytes(transcript, role)), proveSecret(keys, transcript, role)])
  return { signature, proof }
}

/**
 * Checks the `role` side's attestation: `signature` under the key `peer` encodes, and
 * `proof` of the secret of `keys`. Resolves to the failure, or undefined when both verify.
 */
export async function checkAttestation(
  trust: RoomTrust,
  keys: RoomKeys,
  transcript: HandshakeTranscript,
  role: HandshakeRole,
  peer: PeerId,
  attestation: { signature: Uint8Array; proof: Uint8Array },
): Promise<AuthRefusal | undefined> {
  let verifier
  try {
    verifier = await trust.verifier(peer)
  } catch (cause) {
    return refusal('invalid-key', 'the peer id is not a usable Ed25519 public key', peer, cause)
  }
  const [signed, proven] = await Promise.all([
    verifier.verify(signedBytes(transcript, role), attestation.signature),
    verifySecretProof(keys, transcript, role, attestation.proof),
  ])
  if (!signed) return refusal('bad-signature', `the ${role}'s transcript signature does not verify`, peer)
  if (!proven) return refusal('bad-proof', `the ${role}'s proof of the room secret does not verify`, peer)
  return undefined
}

/** What the dialer keeps between its AuthHello and the AuthWelcome. */
export interface DialerAuth {
  hello: AuthHelloFrame
  keys: RoomKeys
  /** The ephemeral X25519 key whose share the AuthHello carries. */
  ephemeral: EphemeralKey
}

/**
 * The X25519 shared secret of this side's `ephemeral` key with `share`, or the refusal of an
 * unusable share (a low-order point would let the peer fix the session key).
 */
export async function agree(ephemeral: EphemeralKey, share: Uint8Array, peer: PeerId): Promise<Uint8Array | AuthRefusal> {
  try {
    return await ephemeral.agree(share)
  } catch (cause) {
    return refusal('bad-share', 'the ephemeral X25519 share is unusable', peer, cause)
  }
}

/** The dialer's AuthHello under `keys`, with a fresh nonce and a fresh ephemeral X25519 share. */
export async function authHello(trust: RoomTrust, keys: RoomKeys): Promise<DialerAuth> {
  const nonce = handshakeNonce()
  const [tag, ephemeral] = await Promise.all([roomTag(keys, trust.peerId, nonce), ephemeralKey()])
  const hello: AuthHelloFrame = {
    type: FrameType.AuthHello,
    room: '',
    tag,
    peerId: trust.peerId,
    versionMin: TRUSTED_VERSIONS.min,
    versionMax: TRUSTED_VERSIONS.max,
    keyId: keys.keyId.slice(),
    nonce,
    share: ephemeral.share.slice(),
  }
  return { hello, keys, ephemeral }
}

/** An authenticated handshake: its key generation, transcript and version, and its session keys. */
export interface AuthResult {
  ok: true
  keys: RoomKeys
  transcript: HandshakeTranscript
  version: number
  /**
   * This side's session keys, derived while the handshake's signatures are made and checked
   * (fewer round trips through the platform's crypto); used only once it is authenticated.
   */
  session: Promise<SessionKeys>
}

/**
 * Starts deriving this side's session keys from the transcript and the X25519 shared secret,
 * which it wipes once they are derived (a failure surfaces when the keys are awaited).
 */
export function derive(keys: RoomKeys, transcript: HandshakeTranscript, role: HandshakeRole, shared: Uint8Array): Promise<SessionKeys> {
  const session = deriveSessionKeys(keys, transcript, role, shared)
  session.then(
    () => shared.fill(0),
    () => shared.fill(0),
  )
  return session
}

/** What the acceptor keeps between its AuthWelcome and the AuthConfirm. */
export interface AcceptorAuth extends AuthResult {
  welcome: AuthWelcomeFrame
}

/**
 * The acceptor checks an AuthHello from `peer` (as its transport names it): a common
 * version, the transport's peer id, a key generation it holds and the room tag. Only then
 * does it sign and prove, answering with an AuthWelcome.
 */
export async function acceptAuthHello(trust: RoomTrust, frame: AuthHelloFrame, peer: PeerId): Promise<AcceptorAuth | AuthRefusal> {
  const remote = { min: frame.versionMin, max: frame.versionMax }
  const version = negotiateVersion(TRUSTED_VERSIONS, remote)
  if (version === undefined) return { ok: false, error: new VersionMismatchError(TRUSTED_VERSIONS, remote, peer) }
  if (frame.peerId !== peer) return refusal('peer-mismatch', 'the AuthHello peer id is not the connection\'s remote peer', peer)
  const keys = keysFor(trust, frame.keyId)
  if (keys === undefined) return refusal('unknown-key', 'the AuthHello names a key generation this peer does not hold', peer)
  if (!(await keys.frame.proof.verify(frame.tag, concatBytes(utf8(AUTH_LABELS.roomTag), new Uint8Array([0]), publicKeyFromPeerId(peer), keys.keyId, frame.nonce)))) {
    return refusal('bad-tag', 'the AuthHello room tag does not verify', peer)
  }
  const nonce = handshakeNonce()
  const ephemeral = await ephemeralKey()
  const shared = await agree(ephemeral, frame.share, peer)
  if (!(shared instanceof Uint8Array)) return shared
  const transcript = await handshakeTranscript({
    initiator: { publicKey: publicKeyFromPeerId(peer), nonce: frame.nonce, share: frame.share },
    acceptor: { publicKey: trust.identity.publicKey, nonce, share: ephemeral.share },
    context: handshakeContext(version, keys.keyId, frame.tag),
  })
  const session = derive(keys, transcript, 'acceptor', shared)
  const { signature, proof } = await attest(trust, keys, transcript, 'acceptor')
  const welcome: AuthWelcomeFrame = {
    type: FrameType.AuthWelcome,
    room: '',
    peerId: trust.peerId,
    version,
    keyId: keys.keyId.slice(),
    nonce,
    share: ephemeral.share.slice(),
    signature,
    proof,
  }
  return { ok: true, keys, transcript, version, welcome, session }
}

/**
 * The dialer checks the AuthWelcome of `peer` (the peer it dialed): the same peer id, key
 * generation and a version it speaks, then the acceptor's signature and proof. It answers
 * with its own (AuthConfirm).
 */
export async function acceptAuthWelcome(
  trust: RoomTrust,
  sent: DialerAuth,
  frame: AuthWelcomeFrame,
  peer: PeerId,
): Promise<(AuthResult & { confirm: AuthConfirmFrame }) | AuthRefusal> {
  if (frame.version < TRUSTED_VERSIONS.min || frame.version > TRUSTED_VERSIONS.max) {
    return { ok: false, error: new VersionMismatchError(TRUSTED_VERSIONS, { min: frame.version, max: frame.version }, peer) }
  }
  if (frame.peerId !== peer) return refusal('peer-mismatch', 'the AuthWelcome comes from another peer than the one dialed', peer)
  if (!bytesEqual(frame.keyId, sent.keys.keyId)) return refusal('unknown-key', 'the AuthWelcome names another key generation', peer)
  const shared = await agree(sent.ephemeral, frame.share, peer)
  if (!(shared instanceof Uint8Array)) return shared
  const transcript = await handshakeTranscript({
    initiator: { publicKey: trust.identity.publicKey, nonce: sent.hello.nonce, share: sent.hello.share },
    acceptor: { publicKey: publicKeyFromPeerId(peer), nonce: frame.nonce, share: frame.share },
    context: handshakeContext(frame.version, sent.keys.keyId, sent.hello.tag),
  })
  const session = derive(sent.keys, transcript, 'initiator', shared)
  // Our own attestation is made meanwhile, and sent only if theirs verifies.
  const [failed, { signature, proof }] = await Promise.all([checkAttestation(trust, sent.keys, transcript, 'acceptor', peer, frame), attest(trust, sent.keys, transcript, 'initiator')])
  if (failed !== undefined) return failed
  return { ok: true, keys: sent.keys, transcript, version: frame.version, session, confirm: { type: FrameType.AuthConfirm, room: '', signature, proof } }
}

/** The acceptor checks the dialer's AuthConfirm over the transcript it answered. */
export async function acceptAuthConfirm(trust: RoomTrust, pending: AcceptorAuth, frame: AuthConfirmFrame, peer: PeerId): Promise<AuthResult | AuthRefusal> {
  const failed = await checkAttestation(trust, pending.keys, pending.transcript, 'initiator', peer, frame)
  if (failed !== undefined) return failed
  return { ok: true, keys: pending.keys, transcript: pending.transcript, version: pending.version, session: pending.session }
}
