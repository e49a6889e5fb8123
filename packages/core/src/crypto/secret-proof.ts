/**
 * Proof of knowledge of the room secret, bound to one handshake and one role: an HMAC under
 * the room's frame proof key. A peer without the secret cannot make one; a proof taken from
 * another handshake, or reflected back from the other side, does not verify.
 */
import { concatBytes, utf8 } from './bytes.js'
import { LABELS } from './labels.js'
import type { RoomKeys } from './room-keys.js'
import type { HandshakeRole, HandshakeTranscript } from './transcript.js'

const ROLE_BYTE: Record<HandshakeRole, number> = { initiator: 1, acceptor: 2 }

function message(transcript: HandshakeTranscript, role: HandshakeRole): Uint8Array {
  return concatBytes(utf8(LABELS.secretProof), new Uint8Array([0, ROLE_BYTE[role]]), transcript.hash)
}

/**
 * The 32-byte proof that the `role` side of `transcript` knows the room secret:
 * HMAC-SHA-256(frame proof key, "gossamer/v1/secret-proof" ‖ 0x00 ‖ role (1 initiator, 2 acceptor) ‖ transcript hash).
 */
export function proveSecret(keys: RoomKeys, transcript: HandshakeTranscript, role: HandshakeRole): Promise<Uint8Array> {
  return keys.frame.proof.sign(message(transcript, role))
}

/** Whether `proof` is the `role` side's proof for `transcript` under `keys` (constant-time comparison). */
export function verifySecretProof(keys: RoomKeys, transcript: HandshakeTranscript, role: HandshakeRole, proof: Uint8Array): Promise<boolean> {
  if (!(proof instanceof Uint8Array) || proof.length !== 32) return Promise.resolve(false)
  return keys.frame.proof.verify(proof, message(transcript, role))
}
