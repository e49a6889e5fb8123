/**
 * The Yjs clientID an identity key owns: the first 53 bits of SHA-256 over a label and the
 * public key. In a room with a secret, every struct and presence state of clientID C must
 * come from the key that owns C, so nobody can write under another peer's clientID.
 * 53 bits (Yjs writes clientIDs as varUints, exact up to 2⁵³) make grinding a key for
 * somebody else's clientID take about 2⁵² key generations.
 */
import { utf8 } from '../crypto/bytes.js'
import { sha256 } from './sha256.js'

const LABEL = utf8('gossamer/v3/client-id')

/** The clientID owned by a 32-byte Ed25519 public key. */
export function clientIdOf(publicKey: Uint8Array): number {
  const digest = sha256(LABEL, new Uint8Array([0]), publicKey)
  // 53 bits: 21 from the first 4 bytes' top, 32 from the next 4.
  const high = ((digest[0] as number) << 13) | ((digest[1] as number) << 5) | ((digest[2] as number) >>> 3)
  const low = (((digest[3] as number) << 24) | ((digest[4] as number) << 16) | ((digest[5] as number) << 8) | (digest[6] as number)) >>> 0
  return high * 2 ** 32 + low
}
