/**
 * Pushed entries name their author by clientID, not by its 32-byte key: a receiver finds the
 * key in the author's chain, in the session the author pushed it over, or among the keys the
 * room verified something of. An entry whose author it cannot name waits for anti-entropy
 * (held: not applied, not passed on, not counted against the relay).
 */
import { describe, expect, it } from 'vitest'
import { generateIdentity } from '../../src/crypto/identity-keys.js'
import { clientIdOf } from '../../src/trust/client-id.js'
import { createRoomTrust } from '../../src/trust/room-trust.js'
import { decodePayload, encodeSignedUpdate } from '../../src/trust/signed-payload.js'
import { replica } from './support/replica.js'

const contains = (haystack: Uint8Array, needle: Uint8Array): boolean => Buffer.from(haystack).includes(Buffer.from(needle))

describe('pushed entries name their author by clientID', () => {
  it('carry the clientID instead of the public key', async () => {
    const alice = await generateIdentity()
    const a = replica(alice)
    a.doc.getText('t').insert(0, 'hello')
    await a.content.settled()
    const payload = a.pushed[0] as Uint8Array
    const decoded = decodePayload(payload)
    expect(decoded).toMatchObject({ kind: 'update', clientId: clientIdOf(alice.publicKey), seq: 1 })
    expect(contains(payload, alice.publicKey)).toBe(false)
    a.content.destroy()
  })

  it('apply when the author pushed them itself, with no chain of it yet', async () => {
    const [alice, bob] = await Promise.all([generateIdentity(), generateIdentity()])
    const a = replica(alice)
    const b = replica(bob)
    a.doc.getText('t').insert(0, 'hello')
    await a.content.settled()
    expect(await b.content.apply(a.pushed[0] as Uint8Array, alice.peerId)).toEqual({ ok: true, changed: true })
    expect(b.doc.getText('t').toString()).toBe('hello')
    expect(b.errors).toEqual([])
  })

  it('relayed by another peer: held while the author is unknown, applied once its key is known', async () => {
    const [alice, bob, carol] = await Promise.all([generateIdentity(), generateIdentity(), generateIdentity()])
    const a = replica(alice)
    const known = new Map<number, Uint8Array>()
    const b = replica(bob, { known })
    a.doc.getText('t').insert(0, 'hello')
    await a.content.settled()
    const payload = a.pushed[0] as Uint8Array
    expect(await b.content.apply(payload, carol.peerId)).toEqual({ ok: true, changed: false, held: true })
    expect(b.doc.getText('t').toString()).toBe('')
    expect(b.errors).toEqual([])
    // The room verified something of Alice's (a handshake, a member record): her key is known.
    known.set(clientIdOf(alice.publicKey), alice.publicKey)
    expect(await b.content.apply(payload, carol.peerId)).toEqual({ ok: true, changed: true })
    expect(b.doc.getText('t').toString()).toBe('hello')
  })

  it('a relay that names a known author for an entry it signed itself is refused (SignatureError)', async () => {
    const [alice, mallory, bob] = await Promise.all([generateIdentity(), generateIdentity(), generateIdentity()])
    const m = replica(mallory)
    const b = replica(bob, { known: new Map([[clientIdOf(alice.publicKey), alice.publicKey]]) })
    m.doc.getText('t').insert(0, 'forged')
    await m.content.settled()
    const ours = decodePayload(m.pushed[0] as Uint8Array)
    if (ours.kind !== 'update') throw new Error('expected an update payload')
    const result = await b.content.apply(encodeSignedUpdate({ ...ours, clientId: clientIdOf(alice.publicKey) }), mallory.peerId)
    expect(result).toMatchObject({ ok: false, error: { name: expect.stringMatching(/SignatureError|AuthorshipError/) } })
    expect(b.doc.getText('t').toString()).toBe('')
  })

  it('the room knows the key of every peer it verified something of, by clientID', async () => {
    const [trust, alice] = await Promise.all([createRoomTrust({ room: 'refs', secret: new Uint8Array(32).fill(3) }), generateIdentity()])
    const clientId = clientIdOf(alice.publicKey)
    expect(trust.keyOfClient(clientId)).toBeUndefined()
    await trust.verifier(alice.peerId)
    expect(Buffer.from(trust.keyOfClient(clientId) ?? []).equals(Buffer.from(alice.publicKey))).toBe(true)
  })
})
