/**
 * Ephemeral X25519: both implementations reproduce RFC 7748 §6.1 and agree with each other
 * and with node:crypto; a share of the wrong size or of low order is refused with
 * KeyAgreementError (it would let a peer fix the session key).
 */
import { createPrivateKey, createPublicKey, diffieHellman } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { x25519 } from '@noble/curves/ed25519.js'
import { ephemeralKey, X25519_VECTOR, type KeyAgreementName } from '../../src/index.js'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/** A node:crypto X25519 public key from its raw 32 bytes (SPKI prefix of RFC 8410). */
function nodePublic(raw: Uint8Array) {
  return createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b656e032100', 'hex'), raw]), format: 'der', type: 'spki' })
}

/** The RFC 7748 §5.2 / §6.1 low-order points: each gives the all-zero secret. */
const LOW_ORDER = [new Uint8Array(32), Uint8Array.of(1, ...new Array<number>(31).fill(0))]

describe('ephemeral X25519', () => {
  it('the RFC 7748 vector holds (noble, the reference the WebCrypto probe is checked against)', () => {
    expect(hex(x25519.getPublicKey(X25519_VECTOR.alicePrivate))).toBe(hex(X25519_VECTOR.alicePublic))
    expect(hex(x25519.getSharedSecret(X25519_VECTOR.alicePrivate, X25519_VECTOR.bobPublic))).toBe(hex(X25519_VECTOR.shared))
  })

  it.each<[KeyAgreementName, KeyAgreementName]>([
    ['webcrypto', 'noble'],
    ['noble', 'webcrypto'],
    ['webcrypto', 'webcrypto'],
  ])('a %s key and a %s key agree on one 32-byte secret, which node:crypto computes too', async (one, two) => {
    const [a, b] = await Promise.all([ephemeralKey(one), ephemeralKey(two)])
    expect([a.provider, b.provider]).toEqual([one, two])
    expect(a.share.length).toBe(32)
    const [ab, ba] = await Promise.all([a.agree(b.share), b.agree(a.share)])
    expect(hex(ab)).toBe(hex(ba))
    expect(ab.every((x) => x === 0)).toBe(false)
    // node:crypto: a third key agrees with a's share the same way a agrees with its share.
    const third = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), Buffer.alloc(32, 7)]), format: 'der', type: 'pkcs8' })
    const thirdShare = new Uint8Array(createPublicKey(third).export({ format: 'der', type: 'spki' }).subarray(-32))
    expect(hex(await a.agree(thirdShare))).toBe(hex(diffieHellman({ privateKey: third, publicKey: nodePublic(a.share) })))
  })

  it.each<KeyAgreementName>(['webcrypto', 'noble'])('%s: fresh keys every time', async (name) => {
    const shares = await Promise.all(Array.from({ length: 8 }, async () => hex((await ephemeralKey(name)).share)))
    expect(new Set(shares).size).toBe(8)
  })

  it.each<KeyAgreementName>(['webcrypto', 'noble'])('%s: a low-order or wrongly sized share is refused with KeyAgreementError', async (name) => {
    const key = await ephemeralKey(name)
    for (const share of [...LOW_ORDER, new Uint8Array(31), new Uint8Array(33)]) {
      await expect(key.agree(share), `share ${hex(share)}`).rejects.toMatchObject({ name: 'KeyAgreementError' })
    }
    // The key still works after the refusals.
    const other = await ephemeralKey(name)
    expect(hex(await key.agree(other.share))).toBe(hex(await other.agree(key.share)))
  })
})
