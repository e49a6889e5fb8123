/**
 * The symmetric primitives the key schedule and the AEAD helpers are built from, behind one
 * small interface with two implementations: WebCrypto (`crypto.subtle`, preferred; keys stay
 * non-extractable `CryptoKey`s) and the @noble libraries (for platforms without
 * `crypto.subtle`, such as pages served over plain http or React Native). Both compute the
 * same functions, so peers on either interoperate.
 */
import { CryptoUnavailableError } from './errors.js'
import { nobleSymmetric } from './symmetric-noble.js'
import { platformSubtle, webCryptoSymmetric } from './symmetric-webcrypto.js'

/** Which implementation computes the symmetric primitives. */
export type SymmetricProviderName = 'webcrypto' | 'noble'

/** An AES-256-GCM key. Nonces are 12 bytes; the 16-byte tag is appended to the ciphertext. */
export interface AeadKey {
  readonly algorithm: 'AES-256-GCM'
  /** Encrypts `plaintext` under `nonce`, authenticating `associatedData` too. Never reuse a nonce with one key. */
  seal(nonce: Uint8Array, plaintext: Uint8Array, associatedData: Uint8Array): Promise<Uint8Array>
  /** Decrypts and authenticates. Rejects with `DecryptError` when anything differs from what was sealed. */
  open(nonce: Uint8Array, sealed: Uint8Array, associatedData: Uint8Array): Promise<Uint8Array>
}

/** An HMAC-SHA-256 key (256 bits). */
export interface MacKey {
  readonly algorithm: 'HMAC-SHA-256'
  /** The 32-byte tag of `data`. */
  sign(data: Uint8Array): Promise<Uint8Array>
  /** Whether `tag` is the tag of `data` (compared in constant time). */
  verify(tag: Uint8Array, data: Uint8Array): Promise<boolean>
}

/**
 * Secret input keying material for HKDF-SHA-256 (RFC 5869). Every derivation runs
 * extract-then-expand with the given salt and info; the material itself never leaves it.
 */
export interface KeyMaterial {
  readonly provider: SymmetricProviderName
  /** `length` bytes of HKDF output (for non-secret or short-lived values: key ids, IVs, topic proofs). */
  deriveBytes(salt: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array>
  /** An AES-256-GCM key from 32 bytes of HKDF output. */
  deriveAead(salt: Uint8Array, info: Uint8Array): Promise<AeadKey>
  /** An HMAC-SHA-256 key from 32 bytes of HKDF output. */
  deriveMac(salt: Uint8Array, info: Uint8Array): Promise<MacKey>
  /** New key material from 32 bytes of HKDF output (a sub-key to derive from further). */
  deriveMaterial(salt: Uint8Array, info: Uint8Array): Promise<KeyMaterial>
}

/** One implementation of the symmetric primitives. */
export interface SymmetricProvider {
  readonly name: SymmetricProviderName
  /** SHA-256 of `data`. */
  sha256(data: Uint8Array): Promise<Uint8Array>
  /** PBKDF2-HMAC-SHA-256. Rejects with `AbortError` when `signal` aborts (the platform may finish the work unobserved). */
  pbkdf2(password: Uint8Array, salt: Uint8Array, iterations: number, length: number, signal?: AbortSignal): Promise<Uint8Array>
  /** Wraps `ikm` (copied) as HKDF input keying material. */
  keyMaterial(ikm: Uint8Array): Promise<KeyMaterial>
}

/**
 * The symmetric provider named, or with `'auto'` (the default) WebCrypto when the platform
 * has `crypto.subtle` and the @noble libraries otherwise.
 */
export function symmetricProvider(name: SymmetricProviderName | 'auto' = 'auto'): SymmetricProvider {
  if (name === 'noble') return nobleSymmetric()
  const subtle = platformSubtle()
  if (subtle !== undefined) return webCryptoSymmetric(subtle)
  if (name === 'webcrypto') throw new CryptoUnavailableError('crypto.subtle is missing (an insecure context?): WebCrypto cannot be used here')
  return nobleSymmetric()
}
