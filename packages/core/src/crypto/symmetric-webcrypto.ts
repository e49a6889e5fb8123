/**
 * The symmetric primitives on WebCrypto (`crypto.subtle`). Keys are non-extractable
 * `CryptoKey`s; derived key bytes never reach JavaScript, except for sub-key material
 * (`deriveMaterial`), which passes through once on its way into a new HKDF key.
 */
import { abortable } from './abortable.js'
import { nodeAead } from './aead-node.js'
import { plainBytes } from './bytes.js'
import { DecryptError } from './errors.js'
import type { AeadKey, KeyMaterial, MacKey, SymmetricProvider } from './symmetric.js'

/** The platform's `crypto.subtle`, or undefined (no WebCrypto, or an insecure browser context). */
export function platformSubtle(): SubtleCrypto | undefined {
  return (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle ?? undefined
}

const AES_GCM = { name: 'AES-GCM', length: 256 } as const
const HMAC_SHA256 = { name: 'HMAC', hash: 'SHA-256', length: 256 } as const

/** In Node, node:crypto seals under the same key without a thread-pool round trip (aead-node.ts). */
function aeadKey(subtle: SubtleCrypto, key: CryptoKey): AeadKey {
  return nodeAead(key) ?? webCryptoAead(subtle, key)
}

function webCryptoAead(subtle: SubtleCrypto, key: CryptoKey): AeadKey {
  return {
    algorithm: 'AES-256-GCM',
    async seal(nonce, plaintext, associatedData) {
      const params = { name: 'AES-GCM', iv: plainBytes(nonce), additionalData: plainBytes(associatedData) }
      return new Uint8Array(await subtle.encrypt(params, key, plainBytes(plaintext)))
    },
    async open(nonce, sealed, associatedData) {
      const params = { name: 'AES-GCM', iv: plainBytes(nonce), additionalData: plainBytes(associatedData) }
      try {
        return new Uint8Array(await subtle.decrypt(params, key, plainBytes(sealed)))
      } catch (cause) {
        throw new DecryptError('AES-GCM authentication failed: wrong key, tampered bytes or different associated data', { cause })
      }
    },
  }
}

function macKey(subtle: SubtleCrypto, key: CryptoKey): MacKey {
  return {
    algorithm: 'HMAC-SHA-256',
    async sign(data) {
      return new Uint8Array(await subtle.sign('HMAC', key, plainBytes(data)))
    },
    verify(tag, data) {
      return subtle.verify('HMAC', key, plainBytes(tag), plainBytes(data))
    },
  }
}

function keyMaterial(subtle: SubtleCrypto, hkdfKey: CryptoKey): KeyMaterial {
  const params = (salt: Uint8Array, info: Uint8Array): HkdfParams => ({
    name: 'HKDF',
    hash: 'SHA-256',
    salt: plainBytes(salt),
    info: plainBytes(info),
  })
  const material: KeyMaterial = {
    provider: 'webcrypto',
    async deriveBytes(salt, info, length) {
      return new Uint8Array(await subtle.deriveBits(params(salt, info), hkdfKey, length * 8))
    },
    async deriveAead(salt, info) {
      const key = await subtle.deriveKey(params(salt, info), hkdfKey, AES_GCM, false, ['encrypt', 'decrypt'])
      return aeadKey(subtle, key)
    },
    async deriveMac(salt, info) {
      const key = await subtle.deriveKey(params(salt, info), hkdfKey, HMAC_SHA256, false, ['sign', 'verify'])
      return macKey(subtle, key)
    },
    async deriveMaterial(salt, info) {
      const bits = new Uint8Array(await subtle.deriveBits(params(salt, info), hkdfKey, 256))
      try {
        return keyMaterial(subtle, await subtle.importKey('raw', bits, 'HKDF', false, ['deriveKey', 'deriveBits']))
      } finally {
        bits.fill(0)
      }
    },
  }
  return material
}

/** The symmetric primitives on `subtle`. */
export function webCryptoSymmetric(subtle: SubtleCrypto): SymmetricProvider {
  return {
    name: 'webcrypto',
    async sha256(data) {
      return new Uint8Array(await subtle.digest('SHA-256', plainBytes(data)))
    },
    pbkdf2(password, salt, iterations, length, signal) {
      return abortable(async () => {
        const key = await subtle.importKey('raw', plainBytes(password), 'PBKDF2', false, ['deriveBits'])
        const params = { name: 'PBKDF2', hash: 'SHA-256', salt: plainBytes(salt), iterations }
        return new Uint8Array(await subtle.deriveBits(params, key, length * 8))
      }, signal)
    },
    async keyMaterial(ikm) {
      return keyMaterial(subtle, await subtle.importKey('raw', plainBytes(ikm), 'HKDF', false, ['deriveKey', 'deriveBits']))
    },
  }
}
