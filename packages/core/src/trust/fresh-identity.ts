/**
 * A fresh identity decided synchronously, at `createRoom`: a random Ed25519 seed and its
 * public key (computed with @noble/curves, which is synchronous), so the document's clientID
 * is the identity's from the very first edit. The seed is imported into the fastest signing
 * implementation (WebCrypto where it has Ed25519) once the room starts.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { randomBytes } from '../crypto/bytes.js'
import { importIdentity, type IdentityKeyPair } from '../crypto/identity-keys.js'
import { roomSignatureBackend } from './backend.js'

/** A seed and its public key, before it is imported. */
export interface FreshIdentity {
  readonly seed: Uint8Array
  readonly publicKey: Uint8Array
}

/** A random seed and its public key. */
export function freshIdentity(): FreshIdentity {
  const seed = randomBytes(32)
  return { seed, publicKey: ed25519.getPublicKey(seed) }
}

/** The identity key pair of a fresh identity (extractable, so storage can keep its seed). */
export function importFreshIdentity(fresh: FreshIdentity, signal?: AbortSignal): Promise<IdentityKeyPair> {
  return importIdentity({ format: 'gossamer/ed25519', version: 1, publicKey: fresh.publicKey, seed: fresh.seed }, { extractable: true, backend: roomSignatureBackend(), ...(signal === undefined ? {} : { signal }) })
}
