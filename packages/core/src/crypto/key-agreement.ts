/**
 * Ephemeral X25519 (RFC 7748) for the session handshake: each side makes a fresh key pair
 * per handshake or rekey, sends its public share, and both mix the shared secret into the
 * session keys. Whoever knows the room secret but not one of the two ephemeral private keys
 * (another member standing in the middle of a link, or anyone who learns the secret later)
 * cannot derive the session's keys.
 *
 * Two implementations compute the same function: WebCrypto (`crypto.subtle`, X25519 with a
 * non-extractable private key; Node ≥ 20, current Chromium, Firefox and Safari) and
 * @noble/curves (everywhere else). `'auto'` uses WebCrypto only when it reproduces the
 * RFC 7748 §6.1 test vector.
 */
import { x25519 } from '@noble/curves/ed25519.js'
import { plainBytes, toBase64Url } from './bytes.js'
import { CryptoUnavailableError, KeyAgreementError } from './errors.js'
import { platformSubtle } from './symmetric-webcrypto.js'

/** Size of an X25519 public share and of the shared secret, in bytes. */
export const SHARE_BYTES = 32

/** Which implementation computes X25519. */
export type KeyAgreementName = 'webcrypto' | 'noble'

/** One side's ephemeral X25519 key pair. Use it for one handshake and drop it. */
export interface EphemeralKey {
  /** Which implementation holds the private key. */
  readonly provider: KeyAgreementName
  /** The 32-byte public share to send. */
  readonly share: Uint8Array
  /**
   * The 32-byte shared secret with the remote `share`. Rejects with
   * {@link KeyAgreementError} for a share that is not 32 bytes or that yields the all-zero
   * secret (a low-order point: a peer trying to fix the session key).
   */
  agree(share: Uint8Array): Promise<Uint8Array>
}

const X25519 = { name: 'X25519' } as const

function checkShare(share: Uint8Array): void {
  if (!(share instanceof Uint8Array) || share.length !== SHARE_BYTES) throw new KeyAgreementError(`an X25519 share is ${SHARE_BYTES} bytes`)
}

/**
 * Returns `secret` when it is a usable X25519 shared secret: 32 bytes, not all zeros (the
 * secret of a low-order share, which its sender fixes). Throws {@link KeyAgreementError}.
 */
export function checkSharedSecret(secret: Uint8Array): Uint8Array {
  if (!(secret instanceof Uint8Array) || secret.length !== SHARE_BYTES || secret.every((byte) => byte === 0)) {
    throw new KeyAgreementError('not a usable X25519 shared secret (32 bytes, not all zeros: the share is of low order)')
  }
  return secret
}

async function webCryptoKey(subtle: SubtleCrypto): Promise<EphemeralKey> {
  const pair = (await subtle.generateKey(X25519, false, ['deriveBits'])) as CryptoKeyPair
  const share = new Uint8Array(await subtle.exportKey('raw', pair.publicKey))
  return {
    provider: 'webcrypto',
    share,
    async agree(remote) {
      checkShare(remote)
      let bits: ArrayBuffer
      try {
        const key = await subtle.importKey('raw', plainBytes(remote), X25519, true, [])
        bits = await subtle.deriveBits({ name: 'X25519', public: key }, pair.privateKey, 8 * SHARE_BYTES)
      } catch (cause) {
        throw new KeyAgreementError('the platform refused the X25519 share', { cause })
      }
      return checkSharedSecret(new Uint8Array(bits))
    },
  }
}

function nobleKey(): EphemeralKey {
  const secret = x25519.utils.randomSecretKey()
  return {
    provider: 'noble',
    share: x25519.getPublicKey(secret),
    async agree(remote) {
      checkShare(remote)
      let shared: Uint8Array
      try {
        shared = x25519.getSharedSecret(secret, remote)
      } catch (cause) {
        throw new KeyAgreementError('the X25519 share is a low-order point', { cause })
      }
      return checkSharedSecret(shared)
    },
  }
}

function hex(text: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(text.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16)
  return out
}

/** RFC 7748 §6.1: Alice's private and public keys, Bob's public key, and their shared secret. */
export const X25519_VECTOR = {
  alicePrivate: hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'),
  alicePublic: hex('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a'),
  bobPublic: hex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f'),
  shared: hex('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742'),
} as const

/** Whether `subtle` has X25519 and reproduces the RFC 7748 vector. Never throws. */
async function probe(subtle: SubtleCrypto): Promise<boolean> {
  try {
    const jwk = { kty: 'OKP', crv: 'X25519', d: toBase64Url(X25519_VECTOR.alicePrivate), x: toBase64Url(X25519_VECTOR.alicePublic) }
    const alice = await subtle.importKey('jwk', jwk, X25519, false, ['deriveBits'])
    const bob = await subtle.importKey('raw', X25519_VECTOR.bobPublic, X25519, true, [])
    const bits = new Uint8Array(await subtle.deriveBits({ name: 'X25519', public: bob }, alice, 256))
    return bits.length === 32 && bits.every((byte, i) => byte === X25519_VECTOR.shared[i])
  } catch {
    return false
  }
}

let probed: Promise<boolean> | undefined

/**
 * A fresh ephemeral X25519 key pair from the implementation named. With `'auto'` (the
 * default): WebCrypto when the platform's passes the RFC 7748 probe (checked once per
 * process) and makes a key, otherwise @noble/curves.
 *
 * @throws CryptoUnavailableError when `'webcrypto'` is named and the platform has no usable X25519.
 */
export async function ephemeralKey(name: KeyAgreementName | 'auto' = 'auto'): Promise<EphemeralKey> {
  if (name === 'noble') return nobleKey()
  const subtle = platformSubtle()
  if (subtle !== undefined && (await (probed ??= probe(subtle)))) {
    try {
      return await webCryptoKey(subtle)
    } catch (cause) {
      // It computes X25519 but cannot make keys (the probe imports fixed ones).
      if (name === 'webcrypto') throw new CryptoUnavailableError('this platform cannot generate WebCrypto X25519 keys', { cause })
    }
  } else if (name === 'webcrypto') throw new CryptoUnavailableError('this platform has no WebCrypto X25519')
  return nobleKey()
}
