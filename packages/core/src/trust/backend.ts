/**
 * Which Ed25519 implementation a room signs and verifies with. In Node, node:crypto: it
 * signs and verifies synchronously (about 45 µs and 90 µs), with no round trip through a
 * thread pool, which keeps per-hop latency low. Elsewhere, the platform's choice (WebCrypto
 * where it has Ed25519, else @noble/curves).
 */
import { nodeEd25519 } from '../crypto/ed25519-node.js'
import type { SignatureBackendName } from '../crypto/signature-backend.js'

/** The backend rooms use on this platform. */
export function roomSignatureBackend(): SignatureBackendName | 'auto' {
  return nodeEd25519() === undefined ? 'auto' : 'node'
}
