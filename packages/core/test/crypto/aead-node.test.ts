/**
 * AES-256-GCM on node:crypto (crypto/aead-node.ts) under a non-extractable WebCrypto key:
 * the same bytes as WebCrypto and @noble/ciphers in both directions, and DecryptError (never
 * garbage) for tampering, other associated data, another nonce, another key or a frame
 * shorter than its tag.
 */
import { gcm } from '@noble/ciphers/aes.js'
import { describe, expect, it } from 'vitest'
import { nodeAead } from '../../src/crypto/aead-node.js'

const subtle = globalThis.crypto.subtle
const raw = new Uint8Array(32).map((_, i) => i * 7 + 1)
const nonce = new Uint8Array(12).map((_, i) => 200 - i)
const ad = new TextEncoder().encode('gossamer/v1/frame-ad room peer 42')
const text = new TextEncoder().encode('a sealed Delta frame, about a hundred bytes long once the signed entry is inside it')

async function webKey(bytes = raw): Promise<CryptoKey> {
  return subtle.importKey('raw', bytes, 'AES-GCM', false, ['encrypt', 'decrypt'])
}

describe('AES-256-GCM on node:crypto', () => {
  it('is available in Node for a non-extractable WebCrypto key', async () => {
    expect(nodeAead(await webKey())).toBeDefined()
  })

  it('seals what WebCrypto and @noble/ciphers open, and opens what they seal', async () => {
    const key = await webKey()
    const aead = nodeAead(key)!
    const sealed = await aead.seal(nonce, text, ad)
    expect(sealed.length).toBe(text.length + 16)
    const web = new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: ad }, key, text))
    expect(sealed).toEqual(web)
    expect(sealed).toEqual(gcm(raw, nonce, ad).encrypt(text))
    expect(new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: nonce, additionalData: ad }, key, new Uint8Array(sealed)))).toEqual(text)
    expect(await aead.open(nonce, web, ad)).toEqual(text)
    expect(await aead.open(nonce, gcm(raw, nonce, ad).encrypt(new Uint8Array(0)), ad)).toEqual(new Uint8Array(0))
  })

  it('refuses tampering, other associated data, another nonce, another key and short input with DecryptError', async () => {
    const aead = nodeAead(await webKey())!
    const sealed = await aead.seal(nonce, text, ad)
    const flipped = sealed.slice()
    flipped[3] = (flipped[3] as number) ^ 1
    const tagFlipped = sealed.slice()
    tagFlipped[tagFlipped.length - 1] = (tagFlipped[tagFlipped.length - 1] as number) ^ 0x80
    const otherNonce = nonce.slice()
    otherNonce[0] = (otherNonce[0] as number) ^ 1
    const stranger = nodeAead(await webKey(new Uint8Array(32).fill(9)))!
    const attempts = [
      aead.open(nonce, flipped, ad),
      aead.open(nonce, tagFlipped, ad),
      aead.open(nonce, sealed, new TextEncoder().encode('another room')),
      aead.open(otherNonce, sealed, ad),
      stranger.open(nonce, sealed, ad),
      aead.open(nonce, sealed.subarray(0, 15), ad),
      aead.open(nonce, new Uint8Array(0), ad),
    ]
    for (const attempt of attempts) await expect(attempt).rejects.toMatchObject({ name: 'DecryptError' })
  })
})
