/**
 * AES-256-GCM on node:crypto for a WebCrypto key, reached at run time through
 * `process.getBuiltinModule` (Node ≥ 20.16), never by a static import, so browser bundles
 * never see it. WebCrypto runs each encryption as a job on libuv's thread pool and resolves
 * it on a later turn of the event loop (about 30–60 µs per small frame, and a queue when many
 * sessions share one process); node:crypto seals a small frame synchronously in a few µs.
 * Every frame of a room with a secret is sealed once and opened once per hop, so this is
 * per-hop latency. The key stays the same non-extractable `CryptoKey`: node:crypto uses its
 * handle (`KeyObject.from`) and the bytes never reach JavaScript. Same cipher, same bytes:
 * peers on WebCrypto or @noble read what it seals.
 */
import { DecryptError } from './errors.js'
import { nodeCryptoModule } from './node-builtin.js'
import type { AeadKey } from './symmetric.js'

const TAG_BYTES = 16

/** The part of node:crypto used here. */
interface GcmCipher {
  setAAD(data: Uint8Array): void
  update(data: Uint8Array): Uint8Array
  final(): Uint8Array
}
interface NodeCrypto {
  KeyObject: { from(key: CryptoKey): unknown }
  createCipheriv(algorithm: 'aes-256-gcm', key: unknown, iv: Uint8Array): GcmCipher & { getAuthTag(): Uint8Array }
  createDecipheriv(algorithm: 'aes-256-gcm', key: unknown, iv: Uint8Array): GcmCipher & { setAuthTag(tag: Uint8Array): void }
}

function loadNodeCrypto(): NodeCrypto | undefined {
  const crypto = nodeCryptoModule() as Partial<NodeCrypto> | undefined
  return typeof crypto?.KeyObject?.from === 'function' && typeof crypto.createCipheriv === 'function' ? (crypto as NodeCrypto) : undefined
}

function concat(a: Uint8Array, b: Uint8Array, c: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length + c.length)
  out.set(a, 0)
  out.set(b, a.length)
  out.set(c, a.length + b.length)
  return out
}

/**
 * An {@link AeadKey} that seals and opens with node:crypto under the WebCrypto AES-GCM `key`,
 * or undefined outside Node (or where node:crypto cannot use that key).
 */
export function nodeAead(key: CryptoKey): AeadKey | undefined {
  const crypto = loadNodeCrypto()
  if (crypto === undefined) return undefined
  let handle: unknown
  try {
    handle = crypto.KeyObject.from(key)
  } catch {
    return undefined
  }
  return {
    algorithm: 'AES-256-GCM',
    seal(nonce, plaintext, associatedData) {
      try {
        const cipher = crypto.createCipheriv('aes-256-gcm', handle, nonce)
        cipher.setAAD(associatedData)
        const body = cipher.update(plaintext)
        const last = cipher.final()
        return Promise.resolve(concat(body, last, cipher.getAuthTag()))
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)))
      }
    },
    open(nonce, sealed, associatedData) {
      try {
        if (sealed.length < TAG_BYTES) throw new RangeError('shorter than the tag')
        const decipher = crypto.createDecipheriv('aes-256-gcm', handle, nonce)
        decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES))
        decipher.setAAD(associatedData)
        const body = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES))
        const last = decipher.final()
        return Promise.resolve(concat(body, last, new Uint8Array(0)))
      } catch (cause) {
        return Promise.reject(new DecryptError('AES-GCM authentication failed: wrong key, tampered bytes or different associated data', { cause }))
      }
    },
  }
}
