/**
 * The handshake transcript: what both peers agree on before they derive session keys, sign
 * and prove knowledge of the room secret. Binding all three to it makes a proof or a
 * signature useless on any other connection, and signing the ephemeral shares in it stops a
 * peer in the middle from swapping in its own.
 */
import * as encoding from 'lib0/encoding'
import { ConfigError } from '../errors.js'
import { randomBytes } from './bytes.js'
import { LABELS } from './labels.js'
import { symmetricProvider, type SymmetricProviderName } from './symmetric.js'

/** One side of a handshake: its Ed25519 public key, its fresh random nonce and its ephemeral X25519 share. */
export interface HandshakeParty {
  /** The 32-byte Ed25519 public key. */
  publicKey: Uint8Array
  /** A fresh random nonce of 16 to 64 bytes (see {@link handshakeNonce}); never reused. */
  nonce: Uint8Array
  /** The 32-byte public share of this side's ephemeral X25519 key (`EphemeralKey.share`). */
  share: Uint8Array
}

/** What a transcript binds. */
export interface HandshakeTranscriptInit {
  /** The peer that opened the connection. */
  initiator: HandshakeParty
  /** The peer that accepted it. */
  acceptor: HandshakeParty
  /** Anything else both sides must agree on (the negotiated protocol version, the room): up to 4,096 bytes. */
  context?: Uint8Array
}

/** An encoded transcript and its SHA-256. */
export interface HandshakeTranscript {
  /** label ‖ initiator key ‖ nonce ‖ share ‖ acceptor key ‖ nonce ‖ share ‖ context, each length-prefixed (lib0 varUint8Array). */
  readonly bytes: Uint8Array
  /** SHA-256 of `bytes`: what session keys, secret proofs and handshake signatures are bound to. */
  readonly hash: Uint8Array
}

/** The role of a peer in a handshake. */
export type HandshakeRole = 'initiator' | 'acceptor'

/** A fresh 32-byte handshake nonce. */
export function handshakeNonce(): Uint8Array {
  return randomBytes(32)
}

function checkParty(party: HandshakeParty, name: string): void {
  if (!(party.publicKey instanceof Uint8Array) || party.publicKey.length !== 32) throw new ConfigError(`${name}.publicKey: expected 32 bytes`)
  if (!(party.nonce instanceof Uint8Array) || party.nonce.length < 16 || party.nonce.length > 64) {
    throw new ConfigError(`${name}.nonce: expected 16 to 64 bytes`)
  }
  if (!(party.share instanceof Uint8Array) || party.share.length !== 32) throw new ConfigError(`${name}.share: expected 32 bytes`)
}

/**
 * Encodes and hashes a handshake transcript.
 *
 * @throws ConfigError when a key or share is not 32 bytes, a nonce not 16 to 64 bytes, or the context over 4,096 bytes.
 */
export async function handshakeTranscript(
  init: HandshakeTranscriptInit,
  options: { provider?: SymmetricProviderName | 'auto' } = {},
): Promise<HandshakeTranscript> {
  checkParty(init.initiator, 'initiator')
  checkParty(init.acceptor, 'acceptor')
  const context = init.context ?? new Uint8Array(0)
  if (context.length > 4096) throw new ConfigError('context: longer than 4,096 bytes')
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, LABELS.transcript)
  encoding.writeVarUint8Array(encoder, init.initiator.publicKey)
  encoding.writeVarUint8Array(encoder, init.initiator.nonce)
  encoding.writeVarUint8Array(encoder, init.initiator.share)
  encoding.writeVarUint8Array(encoder, init.acceptor.publicKey)
  encoding.writeVarUint8Array(encoder, init.acceptor.nonce)
  encoding.writeVarUint8Array(encoder, init.acceptor.share)
  encoding.writeVarUint8Array(encoder, context)
  const bytes = encoding.toUint8Array(encoder)
  return { bytes, hash: await symmetricProvider(options.provider).sha256(bytes) }
}
