/**
 * Both sides' session keys of one transcript, as a real handshake would derive them: two
 * fresh X25519 keys, their shares in the transcript, and the shared secret they agree on.
 */
import { ephemeralKey } from '../../src/crypto/key-agreement.js'
import type { RoomKeys } from '../../src/crypto/room-keys.js'
import { deriveSessionKeys, type SessionKeys } from '../../src/crypto/session-keys.js'
import { handshakeNonce, handshakeTranscript, type HandshakeTranscript } from '../../src/crypto/transcript.js'

/** A pair of session keys and what they were derived from. */
export interface SessionPair {
  initiator: SessionKeys
  acceptor: SessionKeys
  transcript: HandshakeTranscript
  /** The X25519 shared secret (a copy of what the initiator's keys were derived from). */
  shared: Uint8Array
}

/**
 * The initiator's keys under `keys` and the acceptor's under `other` (the same by default),
 * over `context` in a fresh transcript with fixed public keys.
 */
export async function sessionPair(keys: RoomKeys, other: RoomKeys = keys, context?: Uint8Array): Promise<SessionPair> {
  const [a, b] = await Promise.all([ephemeralKey(), ephemeralKey()])
  const transcript = await handshakeTranscript({
    initiator: { publicKey: new Uint8Array(32).fill(0xa1), nonce: handshakeNonce(), share: a.share },
    acceptor: { publicKey: new Uint8Array(32).fill(0xb2), nonce: handshakeNonce(), share: b.share },
    ...(context === undefined ? {} : { context }),
  })
  const shared = await a.agree(b.share)
  const [initiator, acceptor] = await Promise.all([
    deriveSessionKeys(keys, transcript, 'initiator', shared.slice()),
    deriveSessionKeys(other, transcript, 'acceptor', await b.agree(a.share)),
  ])
  return { initiator, acceptor, transcript, shared }
}
