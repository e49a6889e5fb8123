/**
 * The topic a signaling server meets a room's peers on, computed from what the server is given.
 */
import { utf8 } from './bytes.js'
import { symmetricProvider, type SymmetricProviderName } from './symmetric.js'

/**
 * The signaling topic for a topic proof `p` (`RoomKeys.topicProof`): the lowercase hex
 * SHA-256 of the UTF-8 bytes of `p` as sent (64 characters, within the server's topic
 * alphabet). The server computes this from `p`; peers may compute it to compare. It is the
 * same function as the topic of a room without a secret, applied to `p` instead of the name.
 */
export async function signalingTopic(topicProof: string, options: { provider?: SymmetricProviderName | 'auto' } = {}): Promise<string> {
  const digest = await symmetricProvider(options.provider).sha256(utf8(topicProof))
  let hex = ''
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0')
  return hex
}
