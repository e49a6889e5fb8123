/**
 * The symmetric primitives on @noble/hashes and @noble/ciphers, for platforms without
 * `crypto.subtle`. Key bytes live in closures (JavaScript cannot make them non-extractable).
 * The libraries load on first use, so bundles that never fall back do not pay for them.
 */
import { abortable } from './abortable.js'
import { DecryptError } from './errors.js'
import type { AeadKey, KeyMaterial, MacKey, SymmetricProvider } from './symmetric.js'

async function hashes() {
  const [{ sha256 }, { hkdf }, { hmac }, { pbkdf2Async }] = await Promise.all([
    import('@noble/hashes/sha2.js'),
    import('@noble/hashes/hkdf.js'),
    import('@noble/hashes/hmac.js'),
    import('@noble/hashes/pbkdf2.js'),
  ])
  return { sha256, hkdf, hmac, pbkdf2Async }
}

async function ciphers() {
  const [{ gcm }, { equalBytes }] = await Promise.all([import('@noble/ciphers/aes.js'), import('@noble/ciphers/utils.js')])
  return { gcm, equalBytes }
}

async function aeadKey(raw: Uint8Array): Promise<AeadKey> {
  const { gcm } = await ciphers()
  const key = raw.slice()
  return {
    algorithm: 'AES-256-GCM',
    seal(nonce, plaintext, associatedData) {
      return Promise.resolve(gcm(key, nonce, associatedData).encrypt(plaintext))
    },
    open(nonce, sealed, associatedData) {
      try {
        return Promise.resolve(gcm(key, nonce, associatedData).decrypt(sealed))
      } catch (cause) {
        return Promise.reject(new DecryptError('AES-GCM authentication failed: wrong key, tampered bytes or different associated data', { cause }))
      }
    },
  }
}

async function macKey(raw: Uint8Array): Promise<MacKey> {
  const [{ sha256, hmac }, { equalBytes }] = await Promise.all([hashes(), ciphers()])
  const key = raw.slice()
  return {
    algorithm: 'HMAC-SHA-256',
    sign(data) {
      return Promise.resolve(hmac(sha256, key, data))
    },
    verify(tag, data) {
      return Promise.resolve(equalBytes(hmac(sha256, key, data), tag))
    },
  }
}

function keyMaterial(ikm: Uint8Array): KeyMaterial {
  const secret = ikm.slice()
  const expand = async (salt: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> => {
    const { sha256, hkdf } = await hashes()
    return hkdf(sha256, secret, salt, info, length)
  }
  return {
    provider: 'noble',
    deriveBytes: expand,
    async deriveAead(salt, info) {
      const bytes = await expand(salt, info, 32)
      try {
        return await aeadKey(bytes)
      } finally {
        bytes.fill(0)
      }
    },
    async deriveMac(salt, info) {
      const bytes = await expand(salt, info, 32)
      try {
        return await macKey(bytes)
      } finally {
        bytes.fill(0)
      }
    },
    async deriveMaterial(salt, info) {
      const bytes = await expand(salt, info, 32)
      const material = keyMaterial(bytes)
      bytes.fill(0)
      return material
    },
  }
}

/** The symmetric primitives on the @noble libraries. */
export function nobleSymmetric(): SymmetricProvider {
  return {
    name: 'noble',
    async sha256(data) {
      return (await hashes()).sha256(data)
    },
    pbkdf2(password, salt, iterations, length, signal) {
      return abortable(async () => {
        const { sha256, pbkdf2Async } = await hashes()
        return pbkdf2Async(sha256, password, salt, { c: iterations, dkLen: length })
      }, signal)
    },
    keyMaterial(ikm) {
      return Promise.resolve(keyMaterial(ikm))
    },
  }
}
