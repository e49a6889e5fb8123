/**
 * Ed25519 on node:crypto, reached at run time through `process.getBuiltinModule` (Node ≥
 * 20.16), never by a static import, so browser bundles never see it. Signing and verifying
 * are synchronous: fastest per CPU second, but they block the event loop (about 90 µs per
 * verification on a 2 GHz core). Opt-in with `backend: 'node'`.
 */
import { fromBase64Url, toBase64Url } from './bytes.js'
import { CryptoUnavailableError, IdentityKeyError } from './errors.js'
import { nodeCryptoModule } from './node-builtin.js'
import type { SignatureBackend, SigningKey, VerifyingKey } from './signature-backend.js'

/** The part of node:crypto used here. */
interface NodeKeyObject {
  export(options: { format: 'jwk' }): { d?: string; x?: string }
}
interface NodeCrypto {
  createPublicKey(input: { key: JsonWebKey; format: 'jwk' }): NodeKeyObject
  createPrivateKey(input: { key: JsonWebKey; format: 'jwk' }): NodeKeyObject
  generateKeyPairSync(type: 'ed25519'): { privateKey: NodeKeyObject; publicKey: NodeKeyObject }
  sign(algorithm: null, data: Uint8Array, key: NodeKeyObject): Uint8Array
  verify(algorithm: null, data: Uint8Array, key: NodeKeyObject, signature: Uint8Array): boolean
}

function loadNodeCrypto(): NodeCrypto | undefined {
  return nodeCryptoModule() as NodeCrypto | undefined
}

function signingKey(crypto: NodeCrypto, key: NodeKeyObject, publicKey: Uint8Array, extractable: boolean): SigningKey {
  return {
    publicKey: publicKey.slice(),
    extractable,
    cryptoKey: undefined,
    sign(data) {
      return Promise.resolve(new Uint8Array(crypto.sign(null, data, key)))
    },
    exportSeed() {
      if (!extractable) return Promise.reject(new CryptoUnavailableError('this identity key is not extractable'))
      const d = key.export({ format: 'jwk' }).d
      const seed = d === undefined ? undefined : fromBase64Url(d)
      if (seed?.length !== 32) return Promise.reject(new IdentityKeyError('node:crypto exported an unexpected Ed25519 private key'))
      return Promise.resolve(seed)
    },
  }
}

/** The node:crypto Ed25519 backend, or undefined outside Node (or before 20.16). */
export function nodeEd25519(): SignatureBackend | undefined {
  const crypto = loadNodeCrypto()
  if (crypto === undefined) return undefined
  return {
    name: 'node',
    generate(extractable) {
      const pair = crypto.generateKeyPairSync('ed25519')
      const x = pair.publicKey.export({ format: 'jwk' }).x
      const publicKey = x === undefined ? undefined : fromBase64Url(x)
      if (publicKey?.length !== 32) return Promise.reject(new IdentityKeyError('node:crypto generated an unexpected public key'))
      return Promise.resolve(signingKey(crypto, pair.privateKey, publicKey, extractable))
    },
    fromSeed(seed, publicKey, extractable) {
      try {
        const key = crypto.createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: toBase64Url(seed), x: toBase64Url(publicKey) }, format: 'jwk' })
        return Promise.resolve(signingKey(crypto, key, publicKey, extractable))
      } catch (cause) {
        return Promise.reject(new IdentityKeyError('node:crypto refused the stored Ed25519 key', { cause }))
      }
    },
    verifyingKey(publicKey) {
      const key = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: toBase64Url(publicKey) }, format: 'jwk' })
      const verifying: VerifyingKey = {
        publicKey: publicKey.slice(),
        verify(data, signature) {
          if (signature.length !== 64) return Promise.resolve(false)
          try {
            return Promise.resolve(crypto.verify(null, data, key, signature))
          } catch {
            return Promise.resolve(false) // node:crypto refused the input: not a valid signature
          }
        },
      }
      return Promise.resolve(verifying)
    },
  }
}
