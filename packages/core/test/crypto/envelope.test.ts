/**
 * Envelopes (storage, signaling): the layout node:crypto opens from keys
 * it derives itself, keyrings across a rotation, and a typed error, never garbage, for the
 * wrong key, tampering, another purpose or other associated data.
 */
import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import { deriveRoomKeys, envelopeKeyId, openEnvelope, sealEnvelope, type EnvelopePurpose } from '../../src/index.js'
import { aesGcmOpen, roomHkdf } from './reference.js'

const SECRET = new Uint8Array(32).fill(3)
const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const PURPOSES: EnvelopePurpose[] = ['storage', 'signaling']
const LABEL: Record<EnvelopePurpose, string> = { storage: 'storage-aead', signaling: 'signal-aead' }

describe('envelopes', () => {
  it.each(PURPOSES)('%s: has the documented layout, opened by node:crypto', async (purpose) => {
    const keys = await deriveRoomKeys({ room: 'todo', secret: SECRET })
    const path = text('gossamer/todo/log/42')
    const envelope = await sealEnvelope(keys, purpose, text('snapshot bytes'), { associatedData: path })
    expect(envelope.length).toBe(1 + 8 + 12 + 14 + 16)
    expect(envelope[0]).toBe(1)
    expect(envelope.subarray(1, 9)).toEqual(keys.keyId)
    expect(envelopeKeyId(envelope)).toBe(keys.fingerprint)
    const encoder = encoding.createEncoder()
    encoding.writeVarString(encoder, 'gossamer/v1/envelope')
    encoding.writeVarString(encoder, purpose)
    encoding.writeVarUint8Array(encoder, envelope.subarray(0, 21))
    encoding.writeVarUint8Array(encoder, path)
    const key = roomHkdf(SECRET, 'todo', `gossamer/v1/${LABEL[purpose]}`, 32)
    expect(aesGcmOpen(key, envelope.subarray(9, 21), envelope.subarray(21), encoding.toUint8Array(encoder)).toString()).toBe('snapshot bytes')
    expect(await openEnvelope(keys, purpose, envelope, { associatedData: path })).toEqual(text('snapshot bytes'))
  })

  it('uses a fresh nonce per envelope', async () => {
    const keys = await deriveRoomKeys({ room: 'todo', secret: SECRET })
    const seen = new Set<string>()
    for (let i = 0; i < 100; i++) seen.add(Buffer.from((await sealEnvelope(keys, 'storage', text('same'))).subarray(9, 21)).toString('hex'))
    expect(seen.size).toBe(100)
  })

  it('opens blobs of several key generations through a keyring; another secret gets KeyMismatchError', async () => {
    const old = await deriveRoomKeys({ room: 'todo', secret: SECRET })
    const current = await deriveRoomKeys({ room: 'todo', secret: new Uint8Array(32).fill(4) })
    const stranger = await deriveRoomKeys({ room: 'todo', password: 'not the secret' })
    const before = await sealEnvelope(old, 'storage', text('before rotation'))
    const after = await sealEnvelope(current, 'storage', text('after rotation'))
    expect(await openEnvelope([current, old], 'storage', before)).toEqual(text('before rotation'))
    expect(await openEnvelope([current, old], 'storage', after)).toEqual(text('after rotation'))
    await expect(openEnvelope(stranger, 'storage', before)).rejects.toMatchObject({
      name: 'KeyMismatchError',
      keyId: old.fingerprint,
      tried: [stranger.fingerprint],
    })
  })

  it('rejects tampering, another purpose, other associated data and malformed input with DecryptError', async () => {
    const keys = await deriveRoomKeys({ room: 'todo', secret: SECRET })
    const envelope = await sealEnvelope(keys, 'storage', text('record'), { associatedData: text('key-a') })
    await expect(openEnvelope(keys, 'signaling', envelope, { associatedData: text('key-a') })).rejects.toMatchObject({ name: 'DecryptError' })
    await expect(openEnvelope(keys, 'storage', envelope, { associatedData: text('key-b') })).rejects.toMatchObject({ name: 'DecryptError' })
    await expect(openEnvelope(keys, 'storage', envelope)).rejects.toMatchObject({ name: 'DecryptError' })
    for (let i = 0; i < envelope.length; i++) {
      if (i >= 1 && i < 9) continue // key id bytes: KeyMismatchError instead, checked above
      const tampered = envelope.slice()
      tampered[i] = (tampered[i] as number) ^ 0x40
      await expect(openEnvelope(keys, 'storage', tampered, { associatedData: text('key-a') }), `byte ${i}`).rejects.toMatchObject({
        name: 'DecryptError',
      })
    }
    for (const bad of [new Uint8Array(0), envelope.subarray(0, 36)]) {
      await expect(openEnvelope(keys, 'storage', bad)).rejects.toMatchObject({ name: 'DecryptError' })
      expect(envelopeKeyId(bad)).toBeUndefined()
    }
  })

  it('interoperates between the WebCrypto and noble providers', async () => {
    const web = await deriveRoomKeys({ room: 'todo', secret: SECRET, provider: 'webcrypto' })
    const noble = await deriveRoomKeys({ room: 'todo', secret: SECRET, provider: 'noble' })
    for (const purpose of PURPOSES) {
      expect(await openEnvelope(noble, purpose, await sealEnvelope(web, purpose, text('w')))).toEqual(text('w'))
      expect(await openEnvelope(web, purpose, await sealEnvelope(noble, purpose, text('n')))).toEqual(text('n'))
    }
  })
})
