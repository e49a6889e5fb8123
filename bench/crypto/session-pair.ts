/**
 * Both sides' session keys over one fresh transcript, as a handshake derives them (two
 * ephemeral X25519 keys and their shared secret), for the seal and open benchmarks.
 */
import { deriveSessionKeys, ephemeralKey, handshakeNonce, handshakeTranscript, type RoomKeys, type SessionKeys } from '@gossamer/core'

export async function sessionPair(keys: RoomKeys): Promise<[SessionKeys, SessionKeys]> {
  const [a, b] = await Promise.all([ephemeralKey(), ephemeralKey()])
  const transcript = await handshakeTranscript({
    initiator: { publicKey: new Uint8Array(32).fill(1), nonce: handshakeNonce(), share: a.share },
    acceptor: { publicKey: new Uint8Array(32).fill(2), nonce: handshakeNonce(), share: b.share },
  })
  return Promise.all([deriveSessionKeys(keys, transcript, 'initiator', await a.agree(b.share)), deriveSessionKeys(keys, transcript, 'acceptor', await b.agree(a.share))])
}
