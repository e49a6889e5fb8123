/**
 * Ed25519 on WebCrypto. Private keys are `CryptoKey`s (non-extractable unless asked), which
 * browsers can store in IndexedDB by structured clone.
 */
import { fromBase64Url, plainBytes, toBase64Url } from './bytes.js'
import { CryptoUnavailableError, IdentityKeyError } from './errors.js'
import { probeVerify } from './ed25519-probe.js'
import type { SignatureBackend, SigningKey, VerifyingKey } from './signature-backend.js'

const ED25519 = { name: 'Ed25519' } as const

/** A {@link SigningKey} around a WebCrypto Ed25519 private key whose public key is `publicKey`. */
export function signingKeyFromCryptoKey(subtle: SubtleCrypto, privateKey: CryptoKey, publicKey: Uint8Array): SigningKey {
  if (privateKey.type !== 'private' || privateKey.algorithm.name !== 'Ed25519' || !privateKey.usages.includes('sign')) {
    throw new IdentityKeyError('expected an Ed25519 private CryptoKey with the sign usage')
  }
  return {
    publicKey: publicKey.slice(),
    extractable: privateKey.extractable,
    cryptoKey: privateKey,
    async sign(data) {
      return new Uint8Array(await subtle.sign(ED25519, privateKey, plainBytes(data)))
    },
    async exportSeed() {
      if (!privateKey.extractable) throw new CryptoUnavailableError('this identity key is not extractable')
      const jwk = await subtle.exportKey('jwk', privateKey)
      const seed = typeof jwk.d === 'string' ? fromBase64Url(jwk.d) : undefined
      if (seed === undefined || seed.length !== 32) throw new IdentityKeyError('WebCrypto exported an unexpected Ed25519 private key')
      return seed
    },
  }
}

function verifyingKey(subtle: SubtleCrypto, key: CryptoKey, publicKey: Uint8Array): VerifyingKey {
  return {
    publicKey: publicKey.slice(),
    async verify(data, signature) {
      if (signature.length !== 64) return false
      try {
        return await subtle.verify(ED25519, key, plainBytes(signature), plainBytes(data))
      } catch {
        return false // the platform refused the input: not a valid signature
      }
    },
  }
}

/** The WebCrypto Ed25519 backend, or undefined when `subtle` lacks Ed25519 (or fails the RFC 8032 probe). */
export async function webCryptoEd25519(subtle: SubtleCrypto): Promise<SignatureBackend | undefined> {
  const importPublic = (publicKey: Uint8Array): Promise<CryptoKey> => subtle.importKey('raw', plainBytes(publicKey), ED25519, true, ['verify'])
  const works = await probeVerify(async (publicKey, data, signature) =>
    subtle.verify(ED25519, await importPublic(publicKey), plainBytes(signature), plainBytes(data)),
  )
  if (!works) return undefined
  return {
    name: 'webcrypto',
    async generate(extractable) {
      const pair = (await subtle.generateKey(ED25519, extractable, ['sign', 'verify'])) as CryptoKeyPair
      const publicKey = new Uint8Array(await subtle.exportKey('raw', pair.publicKey))
      return signingKeyFromCryptoKey(subtle, pair.privateKey, publicKey)
    },
    async fromSeed(seed, publicKey, extractable) {
      const jwk: JsonWebKey = { kty: 'OKP', crv: 'Ed25519', d: toBase64Url(seed), x: toBase64Url(publicKey) }
      let privateKey: CryptoKey
      try {
        privateKey = await subtle.importKey('jwk', jwk, ED25519, extractable, ['sign'])
      } catch (cause) {
        throw new IdentityKeyError('WebCrypto refused the stored Ed25519 key', { cause })
      }
      return signingKeyFromCryptoKey(subtle, privateKey, publicKey)
    },
    async verifyingKey(publicKey) {
      return verifyingKey(subtle, await importPublic(publicKey), publicKey)
    },
  }
}
