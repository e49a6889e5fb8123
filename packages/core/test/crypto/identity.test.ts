/**
 * Ed25519 identities on every backend this platform has: RFC 8032 vectors, cross-backend
 * signatures, persistence in both forms, key-derived peer ids, and agreement of every
 * backend on crafted edge-case signatures and keys.
 */
import { ED25519_TORSION_SUBGROUP, ed25519 } from '@noble/curves/ed25519.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import {
  decodeStoredIdentity,
  encodeStoredIdentity,
  generateIdentity,
  importIdentity,
  importPublicKey,
  isKeyPeerId,
  peerIdFromPublicKey,
  publicKeyFromPeerId,
  signatureBackend,
  validatePublicKey,
  verifySignature,
  type SignatureBackend,
  type SignatureBackendName,
} from '../../src/index.js'
import { hex } from './reference.js'

const RFC8032 = [
  {
    seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    seed: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature: '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
]

const NAMES: SignatureBackendName[] = ['webcrypto', 'node', 'noble']
const backends: SignatureBackend[] = []
for (const name of NAMES) {
  const backend = await signatureBackend(name).catch(() => undefined)
  if (backend !== undefined) backends.push(backend)
}
const L = 2n ** 252n + 27742317777372353535851937790883648493n
const text = (s: string): Uint8Array => new TextEncoder().encode(s)

function leBytes(n: bigint): Uint8Array {
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn)
  return out
}
function leNumber(bytes: Uint8Array): bigint {
  let n = 0n
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i] as number)
  return n
}

/** An RFC 8032 signature whose R is shifted by a small-order point `torsion` (valid under a cofactored check only). */
function torsionSignature(seed: Uint8Array, message: Uint8Array, torsion: string): Uint8Array {
  const { scalar, pointBytes } = ed25519.utils.getExtendedPublicKey(seed)
  const r = 123456789n
  const R = ed25519.Point.BASE.multiply(r).add(ed25519.Point.fromHex(torsion))
  const Rb = R.toBytes()
  const k = leNumber(sha512(new Uint8Array([...Rb, ...pointBytes, ...message]))) % L
  return new Uint8Array([...Rb, ...leBytes((r + k * scalar) % L)])
}

describe('Ed25519 backends', () => {
  it('has WebCrypto Ed25519 and node:crypto on this Node, and picks WebCrypto by default', async () => {
    expect(backends.map((b) => b.name)).toEqual(NAMES)
    expect((await signatureBackend()).name).toBe('webcrypto')
  })

  it.each(NAMES)('%s: signs and verifies the RFC 8032 test vectors', async (name) => {
    const backend = backends.find((b) => b.name === name) as SignatureBackend
    for (const v of RFC8032) {
      const identity = await importIdentity({ format: 'gossamer/ed25519', version: 1, publicKey: hex(v.publicKey), seed: hex(v.seed) }, { backend })
      expect(Buffer.from(await identity.sign(hex(v.message))).toString('hex')).toBe(v.signature)
      const key = await importPublicKey(hex(v.publicKey), { backend })
      expect(await key.verify(hex(v.message), hex(v.signature))).toBe(true)
      expect(await key.verify(text('other'), hex(v.signature))).toBe(false)
    }
  })

  it('verifies every backend\u2019s signatures on every backend', async () => {
    for (const signer of backends) {
      const identity = await generateIdentity({ backend: signer })
      const data = text(`signed by ${signer.name}`)
      const signature = await identity.sign(data)
      for (const verifier of backends) {
        const key = await importPublicKey(identity.peerId, { backend: verifier })
        expect(await key.verify(data, signature), `${signer.name} → ${verifier.name}`).toBe(true)
        const forged = signature.slice()
        forged[63] = (forged[63] as number) ^ 0x10
        expect(await key.verify(data, forged)).toBe(false)
        expect(await key.verify(data, signature.subarray(0, 63))).toBe(false)
      }
    }
  })

  it('every backend rejects signatures that only a lenient verifier accepts (torsion in R, S + L)', async () => {
    const seed = hex(RFC8032[1]?.seed as string)
    const publicKey = hex(RFC8032[1]?.publicKey as string)
    const message = text('edge case')
    const honest = torsionSignature(seed, message, ED25519_TORSION_SUBGROUP[0] as string) // T = identity: a plain signature
    const crafted = [1, 2, 3, 4, 5, 7].map((i) => torsionSignature(seed, message, ED25519_TORSION_SUBGROUP[i] as string))
    const valid = await generateIdentity({ backend: 'noble', extractable: true })
    const validSignature = await valid.sign(message)
    const malleable = validSignature.slice()
    malleable.set(leBytes(leNumber(validSignature.subarray(32)) + L), 32)
    expect(ed25519.verify(crafted[0] as Uint8Array, message, publicKey, { zip215: false })).toBe(true) // the lenient check the backends must not mirror
    for (const backend of backends) {
      const key = await importPublicKey(publicKey, { backend })
      expect(await key.verify(message, honest), backend.name).toBe(true)
      for (const signature of crafted) expect(await key.verify(message, signature), backend.name).toBe(false)
      expect(await (await importPublicKey(valid.publicKey, { backend })).verify(message, malleable), backend.name).toBe(false)
    }
  })
})

describe('public keys and peer ids', () => {
  it('derives a 43-character peer id that is the public key', async () => {
    const identity = await generateIdentity()
    expect(identity.peerId).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(identity.peerId).toBe(peerIdFromPublicKey(identity.publicKey))
    expect(publicKeyFromPeerId(identity.peerId)).toEqual(identity.publicKey)
    expect(isKeyPeerId(identity.peerId)).toBe(true)
    const data = text('delta')
    expect(await verifySignature(identity.peerId, data, await identity.sign(data))).toBe(true)
  })

  it('rejects ids that are not canonical 32-byte keys', () => {
    const id = peerIdFromPublicKey(new Uint8Array(32).fill(5))
    for (const bad of ['', id.slice(1), `${id}A`, `${id.slice(0, -1)}B`, `${id.slice(0, -1)}+`, '0123456789abcdef']) {
      expect(isKeyPeerId(bad)).toBe(false)
      expect(() => publicKeyFromPeerId(bad)).toThrow(expect.objectContaining({ name: 'InvalidPublicKeyError' }))
    }
    expect(() => peerIdFromPublicKey(new Uint8Array(31))).toThrow(expect.objectContaining({ name: 'InvalidPublicKeyError' }))
  })

  it('rejects small-order, mixed-order and non-canonical public keys', async () => {
    const honest = ed25519.Point.fromBytes(hex(RFC8032[0]?.publicKey as string))
    const bad = [
      ...ED25519_TORSION_SUBGROUP.map((t) => hex(t)),
      honest.add(ed25519.Point.fromHex(ED25519_TORSION_SUBGROUP[1] as string)).toBytes(), // mixed order
      hex('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'), // y = p: non-canonical
    ]
    for (const key of bad) {
      await expect(validatePublicKey(key)).rejects.toMatchObject({ name: 'InvalidPublicKeyError' })
      await expect(importPublicKey(key)).rejects.toMatchObject({ name: 'InvalidPublicKeyError' })
      expect(await verifySignature(key, text('x'), new Uint8Array(64))).toBe(false)
    }
    await expect(validatePublicKey(honest.toBytes())).resolves.toBeUndefined()
  })
})

describe('identity persistence', () => {
  it('keeps a non-extractable WebCrypto key as a CryptoKey that survives structured clone', async () => {
    const identity = await generateIdentity()
    expect(identity.backend).toBe('webcrypto')
    expect(identity.extractable).toBe(false)
    const stored = await identity.export()
    expect('privateKey' in stored && stored.privateKey.extractable).toBe(false)
    await expect(identity.export({ as: 'bytes' })).rejects.toMatchObject({ name: 'CryptoUnavailableError' })
    const restored = await importIdentity(structuredClone(stored))
    expect(restored.peerId).toBe(identity.peerId)
    const data = text('after reload')
    expect(await verifySignature(identity.publicKey, data, await restored.sign(data))).toBe(true)
  })

  it('moves an extractable key between every pair of backends as bytes, signing identically', async () => {
    for (const from of backends) {
      const identity = await generateIdentity({ backend: from, extractable: true })
      const bytes = encodeStoredIdentity(await identity.export({ as: 'bytes' }))
      const data = text('deterministic')
      const expected = Buffer.from(await identity.sign(data)).toString('hex')
      for (const to of backends) {
        const restored = await importIdentity(decodeStoredIdentity(bytes), { backend: to })
        expect(restored.peerId).toBe(identity.peerId)
        expect(Buffer.from(await restored.sign(data)).toString('hex'), `${from.name} → ${to.name}`).toBe(expected)
      }
    }
  })

  it('rejects mismatched and malformed records with IdentityKeyError', async () => {
    const a = await (await generateIdentity({ extractable: true })).export({ as: 'bytes' })
    const b = await generateIdentity()
    for (const backend of backends) {
      const mismatched = { ...a, publicKey: b.publicKey }
      await expect(importIdentity(mismatched, { backend })).rejects.toMatchObject({ name: 'IdentityKeyError' })
    }
    const bytes = encodeStoredIdentity(a)
    for (const bad of [bytes.subarray(0, bytes.length - 1), new Uint8Array([...bytes, 0]), new Uint8Array(10)]) {
      expect(() => decodeStoredIdentity(bad)).toThrow(expect.objectContaining({ name: 'IdentityKeyError' }))
    }
    const cryptoKeyForm = await b.export()
    expect(() => encodeStoredIdentity(cryptoKeyForm)).toThrow(expect.objectContaining({ name: 'IdentityKeyError' }))
  })
})
