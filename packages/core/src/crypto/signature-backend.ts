/**
 * Ed25519 signature backends behind one interface: WebCrypto (preferred where the platform
 * has Ed25519: Node ≥ 20, current Chromium, Firefox and Safari), node:crypto (Node only,
 * synchronous, opt-in) and @noble/curves (everywhere, pure JavaScript, about 25× slower).
 * For keys that pass `validatePublicKey`, all three agree on the known edge cases (a small-order
 * component in R, S ≥ L, non-canonical encodings): tests craft each one.
 */
import { CryptoUnavailableError } from './errors.js'
import { nodeEd25519 } from './ed25519-node.js'
import { nobleEd25519 } from './ed25519-noble.js'
import { webCryptoEd25519 } from './ed25519-webcrypto.js'
import { platformSubtle } from './symmetric-webcrypto.js'

/** The name of an Ed25519 implementation. */
export type SignatureBackendName = 'webcrypto' | 'node' | 'noble'

/** A private key held by a backend. */
export interface SigningKey {
  /** The 32-byte public key. */
  readonly publicKey: Uint8Array
  /** Whether `exportSeed` works. */
  readonly extractable: boolean
  /** The WebCrypto private key (webcrypto backend only): storable in IndexedDB by structured clone, even when not extractable. */
  readonly cryptoKey: CryptoKey | undefined
  /** The 64-byte Ed25519 signature of `data`. */
  sign(data: Uint8Array): Promise<Uint8Array>
  /** The 32-byte private seed (RFC 8032 private key). Rejects with `CryptoUnavailableError` when not extractable. */
  exportSeed(): Promise<Uint8Array>
}

/** A public key held by a backend. */
export interface VerifyingKey {
  /** The 32-byte public key. */
  readonly publicKey: Uint8Array
  /** Whether `signature` is a valid Ed25519 signature of `data` (false for malformed signatures too). */
  verify(data: Uint8Array, signature: Uint8Array): Promise<boolean>
}

/** One Ed25519 implementation. */
export interface SignatureBackend {
  readonly name: SignatureBackendName
  /** A fresh key pair. */
  generate(extractable: boolean): Promise<SigningKey>
  /** The key pair of a 32-byte seed; `publicKey` must be its public key (checked by the caller). */
  fromSeed(seed: Uint8Array, publicKey: Uint8Array, extractable: boolean): Promise<SigningKey>
  /** A public key, for verifying. The caller validates it first (`validatePublicKey`). */
  verifyingKey(publicKey: Uint8Array): Promise<VerifyingKey>
}

/**
 * The Ed25519 backend named. With `'auto'` (the default): WebCrypto when the platform's
 * WebCrypto verifies the RFC 8032 test vector, otherwise @noble/curves. `'node'` uses
 * node:crypto through `process.getBuiltinModule` (no static import, so browser bundles are unaffected).
 *
 * @throws CryptoUnavailableError when the named backend is not available here.
 */
export async function signatureBackend(name: SignatureBackendName | 'auto' = 'auto'): Promise<SignatureBackend> {
  if (name === 'noble') return nobleEd25519()
  if (name === 'node') {
    const backend = nodeEd25519()
    if (backend === undefined) throw new CryptoUnavailableError('node:crypto is not available here (not Node, or Node older than 20.16)')
    return backend
  }
  const subtle = platformSubtle()
  const web = subtle === undefined ? undefined : await webCryptoEd25519(subtle)
  if (web !== undefined) return web
  if (name === 'webcrypto') throw new CryptoUnavailableError('this platform has no WebCrypto Ed25519')
  return nobleEd25519()
}
