/**
 * Ed25519 on @noble/curves (pure JavaScript), for platforms whose WebCrypto lacks Ed25519.
 * Verification is strict RFC 8032 (`zip215: false`: canonical encodings, small-order keys
 * rejected) plus a check that R lies in the prime-order subgroup. With that check, noble's
 * cofactored equation accepts exactly what the cofactorless WebCrypto implementations
 * (OpenSSL, BoringSSL) accept for keys that pass `validatePublicKey`, so every peer agrees
 * on which signatures are valid. The library loads on first use.
 */
import { CryptoUnavailableError } from './errors.js'
import type { SignatureBackend, SigningKey } from './signature-backend.js'

async function curve() {
  return (await import('@noble/curves/ed25519.js')).ed25519
}

function signingKey(ed: Awaited<ReturnType<typeof curve>>, seed: Uint8Array, publicKey: Uint8Array, extractable: boolean): SigningKey {
  const secret = seed.slice()
  return {
    publicKey: publicKey.slice(),
    extractable,
    cryptoKey: undefined,
    sign(data) {
      return Promise.resolve(ed.sign(data, secret))
    },
    exportSeed() {
      if (!extractable) return Promise.reject(new CryptoUnavailableError('this identity key is not extractable'))
      return Promise.resolve(secret.slice())
    },
  }
}

/** The @noble/curves Ed25519 backend. */
export function nobleEd25519(): SignatureBackend {
  return {
    name: 'noble',
    async generate(extractable) {
      const ed = await curve()
      const { secretKey, publicKey } = ed.keygen()
      const key = signingKey(ed, secretKey, publicKey, extractable)
      secretKey.fill(0)
      return key
    },
    async fromSeed(seed, publicKey, extractable) {
      return signingKey(await curve(), seed, publicKey, extractable)
    },
    async verifyingKey(publicKey) {
      const ed = await curve()
      const key = publicKey.slice()
      return {
        publicKey: key.slice(),
        verify(data, signature) {
          if (signature.length !== 64) return Promise.resolve(false)
          try {
            const valid = ed.verify(signature, data, key, { zip215: false }) && ed.Point.fromBytes(signature.subarray(0, 32), false).isTorsionFree()
            return Promise.resolve(valid)
          } catch {
            return Promise.resolve(false) // malformed input: not a valid signature
          }
        },
      }
    },
  }
}
