/**
 * The topic a signaling server meets a room's peers on, computed from what the server is given.
 */
import { fromBase64Url, toBase64Url } from './bytes.js'
import { WeakSecretError } from './errors.js'
import { symmetricProvider, type SymmetricProviderName } from './symmetric.js'

/**
 * The signaling topic for a topic proof `p` (`RoomKeys.topicProof`, 32 bytes as base64url):
 * the unpadded base64url of SHA-256 over the proof's bytes (43 characters). The signaling
 * server computes it from the proof a peer joins with, and lists the topic only to peers that
 * sent the proof; this is the same rule as for a room without a secret, whose proof is derived
 * from the room name instead.
 */
export async function signalingTopic(topicProof: string, options: { provider?: SymmetricProviderName | 'auto' } = {}): Promise<string> {
  const proof = fromBase64Url(topicProof)
  if (proof === undefined || proof.length === 0) throw new WeakSecretError('a topic proof is canonical base64url')
  return toBase64Url(await symmetricProvider(options.provider).sha256(proof))
}
