/**
 * Proof of room knowledge: a `join` that carries a proof `p` is listed in topic `t` only when
 * `t = base64url(SHA-256(p))`. The server thus hands peer ids of a topic only to clients that
 * know the preimage of its topic, which listening to topics (in logs, relayed signals or
 * `peers` answers) does not reveal.
 */
import { createHash } from 'node:crypto'
import { isProof } from './messages.js'

/**
 * The topic a proof opens: base64url (no padding) of the SHA-256 of the proof's bytes, 43
 * characters. Returns `undefined` for a string that is not canonical base64url of 16–64 bytes.
 */
export function topicOfProof(proof: string): string | undefined {
  if (!isProof(proof)) return undefined
  const bytes = Buffer.from(proof, 'base64url')
  // Buffer's decoder is lenient (it ignores stray trailing bits): accept one spelling per byte string.
  if (bytes.toString('base64url') !== proof) return undefined
  return createHash('sha256').update(bytes).digest('base64url')
}

/** True when `proof` is canonical base64url of 16–64 bytes whose SHA-256 is `topic`. */
export function provesTopic(topic: string, proof: string): boolean {
  return topicOfProof(proof) === topic
}
