/**
 * Typed errors of the crypto layer. Callers branch on `err.name`, which is stable across
 * versions. Every error may carry a `cause` (the platform's original error, when there is one).
 */
import { ConfigError, GossamerError } from '../errors.js'

/** Base class of the errors raised by the crypto layer (but configuration errors, which are {@link ConfigError}s). */
export class CryptoError extends GossamerError {
  override name = 'CryptoError'
}

/**
 * A room secret or password was rejected: too short, not canonical base64url, both or
 * neither given, or a PBKDF2 iteration count below the floor. A {@link ConfigError}, so code
 * that handles bad options catches it too.
 */
export class WeakSecretError extends ConfigError {
  override name = 'WeakSecretError'
}

/**
 * A ciphertext did not authenticate: the wrong key, tampered or truncated bytes, or
 * associated data that differs from the sender's. Nothing of the plaintext is returned.
 */
export class DecryptError extends CryptoError {
  override name = 'DecryptError'
}

/**
 * A sealed envelope names a key id that none of the given keys has: it was written under
 * another secret, or another generation of the room's secret.
 */
export class KeyMismatchError extends CryptoError {
  override name = 'KeyMismatchError'
  constructor(
    message: string,
    /** The key id found in the envelope, base64url. */
    readonly keyId: string,
    /** The key ids that were tried, base64url. */
    readonly tried: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** A sealed frame carries a sequence number already accepted on this session: a replay. */
export class FrameReplayError extends CryptoError {
  override name = 'FrameReplayError'
  constructor(
    /** The sequence number the opener expected next. */
    readonly expected: number,
    /** The sequence number the frame carried. */
    readonly received: number,
  ) {
    super(`replayed frame: sequence ${received}, expected ${expected}`)
  }
}

/** A sealed frame skips ahead of the next expected sequence number: frames were dropped or reordered. */
export class FrameOrderError extends CryptoError {
  override name = 'FrameOrderError'
  constructor(
    /** The sequence number the opener expected next. */
    readonly expected: number,
    /** The sequence number the frame carried. */
    readonly received: number,
  ) {
    super(`out-of-order frame: sequence ${received}, expected ${expected}`)
  }
}

/**
 * A public key or peer id is not a usable Ed25519 public key: wrong length, not canonical,
 * not a curve point, of small order, or outside the prime-order subgroup.
 */
export class InvalidPublicKeyError extends CryptoError {
  override name = 'InvalidPublicKeyError'
}

/**
 * An X25519 key agreement failed: the remote share is not 32 bytes, the platform refused it,
 * or it is a low-order point (the shared secret would be all zeros, a value an attacker fixes).
 */
export class KeyAgreementError extends CryptoError {
  override name = 'KeyAgreementError'
}

/**
 * The platform lacks what an operation needs: no `crypto.getRandomValues`, a private key
 * that is not extractable, or a signature backend that is not available here.
 */
export class CryptoUnavailableError extends CryptoError {
  override name = 'CryptoUnavailableError'
}

/** A stored identity key is malformed, or its private half does not match its public key. */
export class IdentityKeyError extends CryptoError {
  override name = 'IdentityKeyError'
}
