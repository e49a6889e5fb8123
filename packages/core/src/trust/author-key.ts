/**
 * Which public key a pushed entry's author clientID stands for (pushed entries name their
 * author by clientID, docs/PROTOCOL.md section 13).
 */
import { isKeyPeerId, publicKeyFromPeerId } from '../crypto/peer-id.js'
import type { PeerId } from '../transport.js'
import type { AuthorChains } from './author-chains.js'
import { clientIdOf } from './client-id.js'

/**
 * The key behind `clientId` in an entry pushed by `from`: its chain's, else the sender's own
 * (the author pushing its edit over its authenticated session), else one the room verified
 * something of (`keyOfClient`: a session, a member record, a presence state). Undefined when
 * none is known: the entry waits for anti-entropy, which names keys in full.
 */
export function authorKey(chains: AuthorChains, clientId: number, from: PeerId, keyOfClient?: (clientId: number) => Uint8Array | undefined): Uint8Array | undefined {
  const known = chains.get(clientId)?.author
  if (known !== undefined) return known
  if (isKeyPeerId(from)) {
    const key = publicKeyFromPeerId(from)
    if (clientIdOf(key) === clientId) return key
  }
  return keyOfClient?.(clientId)
}
