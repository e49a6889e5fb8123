/**
 * Room topics and proofs: known-answer vectors (computed with Node's own crypto module, an
 * implementation independent of the WebCrypto calls under test), the secret extension point
 * (bytes and CryptoKey give the same proof), and the server's check (the topic is the
 * SHA-256 of the proof).
 */
import { createHash, hkdfSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ROOM_PROOF_LABEL, roomTopic, topicFromProof, topicOf, topicProof } from '../../src/topic.js'

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url')
const context = (room: string): Buffer => Buffer.concat([Buffer.from(ROOM_PROOF_LABEL), Buffer.from([0]), Buffer.from(room)])

describe('room topics and proofs', () => {
  it('known answers without a secret: proof = SHA-256(label 0x00 room), topic = base64url(SHA-256(proof))', async () => {
    expect(ROOM_PROOF_LABEL).toBe('gossamer/signaling/v2/room-proof')
    expect(await roomTopic('design-review')).toEqual({
      proof: '4ZzBL9OqTVaX9XFXfJeUxF1nYYXx5JMg1rACVtrxZ_I',
      topic: 'NNw_ef9ANX0zWv9xbPNJF0g_fG-y2Kd4ue-8sK_oFkE',
    })
    for (const room of ['', 'design-review', 'ünïcødé 🚀', 'x'.repeat(10_000)]) {
      const proof = await topicProof(room)
      expect(b64(proof)).toBe(createHash('sha256').update(context(room)).digest('base64url'))
      expect(await topicOf(room)).toBe(createHash('sha256').update(proof).digest('base64url'))
    }
  })

  it('known answers with a secret (HKDF-SHA-256), from bytes or from a CryptoKey', async () => {
    const secret = new Uint8Array(32).fill(7)
    expect(await roomTopic('design-review', secret)).toEqual({
      proof: '4Iqy8zIxkB9UZsVR-9Yg9fGfjLStRd_oLPiGbCVHB9g',
      topic: 'AL-MyT7_gLjDKYqvr-G418szC9hNHH8441CesrDVT5w',
    })
    const expected = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), context('design-review'), 32))
    expect(Buffer.from(await topicProof('design-review', secret)).equals(expected)).toBe(true)
    const key = await globalThis.crypto.subtle.importKey('raw', secret, 'HKDF', false, ['deriveBits'])
    expect(b64(await topicProof('design-review', key))).toBe(expected.toString('base64url'))
    // The secret changes everything; the room name still separates rooms under one secret.
    expect(await topicOf('design-review', secret)).not.toBe(await topicOf('design-review'))
    expect(await topicOf('design-review', secret)).not.toBe(await topicOf('design-review', new Uint8Array(32).fill(8)))
    expect(await topicOf('other', secret)).not.toBe(await topicOf('design-review', secret))
  })

  it('refuses short secrets and keys that cannot derive bits, with a ConfigError', async () => {
    await expect(topicProof('r', new Uint8Array(15))).rejects.toMatchObject({ name: 'ConfigError' })
    const hmac = await globalThis.crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
    await expect(topicProof('r', hmac)).rejects.toMatchObject({ name: 'ConfigError' })
  })

  it('topics fit the server charset and never contain the room name', async () => {
    for (const room of ['design-review', 'quarterly-plans-2024', 'NNw_ef9ANX0zWv9xbPNJF0g']) {
      const { topic, proof } = await roomTopic(room)
      expect(topic).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(proof).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(topic).not.toContain(room)
      expect(await topicFromProof(Buffer.from(proof, 'base64url'))).toBe(topic)
    }
  })
})
