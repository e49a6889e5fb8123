/**
 * The mesh relay of a room with a secret: our signals leave signed by us, in order; a relayed
 * signal is delivered or forwarded only once its origin's signature verifies (the TTL is not
 * signed, so forwarding keeps it valid); a forged origin, a tampered field, an unsigned Relay
 * or a flood over the per-neighbour bound is dropped with its typed error and counted.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { importPublicKey } from '../../src/crypto/identity-keys.js'
import { MeshRelay, RELAY_TTL } from '../../src/layers/mesh-relay.js'
import { FrameType, LIMITS } from '../../src/protocol/messages.js'
import type { SignedRelayFrame } from '../../src/protocol/messages-presence.js'
import { relaySigningMessage } from '../../src/trust/presence-signatures.js'
import type { RoomTrust } from '../../src/trust/room-trust.js'
import { RecordingContext, testTrust, trustedContext, until } from '../support/layer-harness.js'

let me: RoomTrust
let alice: RoomTrust
let mallory: RoomTrust
let ctx: RecordingContext
let relay: MeshRelay
let signals: { from: string; data: Uint8Array }[]

beforeEach(async () => {
  ;[me, alice, mallory] = await Promise.all([testTrust(), testTrust(), testTrust()])
  ctx = trustedContext(me)
  relay = new MeshRelay(ctx, me)
  relay.up('a', true)
  relay.up('b', true)
  signals = []
  relay.on('signal', (signal) => signals.push(signal))
})

const payload = new Uint8Array([1, 2, 3])

/** A relayed signal of `origin`'s fields, signed by `signer` (default: the origin itself). */
async function signed(origin: RoomTrust, fields: Partial<SignedRelayFrame> = {}, signer: RoomTrust = origin, room = 'r'): Promise<SignedRelayFrame> {
  const frame = { type: FrameType.SignedRelay, room: '', id: 42, origin: origin.peerId, target: me.peerId, ttl: 2, payload, signature: new Uint8Array(64), ...fields } as const
  return { ...frame, signature: await signer.identity.sign(relaySigningMessage(room, frame)) }
}

function relayedSent(): SignedRelayFrame[] {
  return ctx.sent.flatMap((s) => (s.frame.type === FrameType.SignedRelay ? [s.frame] : []))
}

describe('sending a signal', () => {
  it('is signed by us, with our key-derived peer id as origin, and routed like an unsigned one', async () => {
    expect(relay.send('a', payload)).toBe(true)
    await until(() => ctx.batches.length === 1)
    expect(ctx.batches[0]?.peers).toEqual(['a'])
    const frame = ctx.batches[0]?.frame as SignedRelayFrame
    expect(frame).toMatchObject({ type: FrameType.SignedRelay, origin: me.peerId, target: 'a', ttl: RELAY_TTL, payload })
    expect(await (await importPublicKey(me.peerId)).verify(relaySigningMessage('r', frame), frame.signature)).toBe(true)
  })

  it('leaves in the order the transport asked for', async () => {
    for (let i = 0; i < 5; i++) relay.send('z', Uint8Array.of(i))
    await until(() => ctx.batches.length === 5)
    expect(ctx.batches.map((b) => (b.frame as SignedRelayFrame).payload[0])).toEqual([0, 1, 2, 3, 4])
  })

  it('copies the payload: the caller may reuse its buffer while the signature is made', async () => {
    const buffer = Uint8Array.of(1, 2, 3)
    relay.send('a', buffer)
    buffer.fill(9)
    await until(() => ctx.batches.length === 1)
    expect([...(ctx.batches[0]?.frame as SignedRelayFrame).payload]).toEqual([1, 2, 3])
  })

  it('fails with no neighbour to carry it, or when it is too large', () => {
    expect(relay.send('z', new Uint8Array(LIMITS.relayBytes + 1))).toBe(false)
    relay.down('a')
    relay.down('b')
    expect(relay.send('z', payload)).toBe(false)
  })
})

describe('a relayed signal', () => {
  it('addressed to us is delivered as from its origin once the signature verifies', async () => {
    relay.onSignedRelay('a', await signed(alice))
    await until(() => signals.length === 1)
    expect(signals).toEqual([{ from: alice.peerId, data: payload }])
    expect(ctx.take()).toEqual([])
  })

  it('for someone else is verified, then forwarded one hop shorter with its signature, which still verifies', async () => {
    relay.up('c', true)
    const frame = await signed(alice, { target: 'z', ttl: 3 })
    relay.onSignedRelay('a', frame)
    await until(() => ctx.batches.length === 1)
    expect(ctx.batches).toEqual([{ peers: ['b', 'c'], frame: { ...frame, ttl: 2 } }])
    expect(await (await importPublicKey(alice.peerId)).verify(relaySigningMessage('r', relayedSent()[0]!), frame.signature)).toBe(true)
  })

  it('is delivered once per id, and a forged copy of the same id arriving first does not shadow it', async () => {
    const genuine = await signed(alice)
    const forged = await signed(alice, { payload: Uint8Array.of(6, 6, 6) }, mallory)
    relay.onSignedRelay('b', forged)
    relay.onSignedRelay('a', genuine)
    relay.onSignedRelay('b', genuine)
    await until(() => signals.length === 1 && ctx.errors.length === 1)
    expect(signals).toEqual([{ from: alice.peerId, data: payload }])
    relay.onSignedRelay('b', genuine)
    expect(signals).toHaveLength(1)
  })
})

describe('a forged or unsigned signal is never delivered as its claimed origin', () => {
  it('an origin signed by another key, a tampered field or another room is refused, and not forwarded', async () => {
    const forged = [
      await signed(alice, {}, mallory),
      { ...(await signed(alice)), payload: Uint8Array.of(9) },
      { ...(await signed(alice, { id: 7 })), id: 8 },
      { ...(await signed(alice, { id: 9, target: 'z' })), target: me.peerId },
      await signed(alice, { id: 10 }, alice, 'elsewhere'),
      await signed(alice, { id: 11, target: 'z' }, mallory),
    ]
    for (const frame of forged) relay.onSignedRelay('a', frame)
    await until(() => ctx.errors.length === forged.length)
    expect(ctx.errorNames()).toEqual(Array(forged.length).fill('SignatureError'))
    expect([ctx.stats.framesRejected, ctx.stats.relaysRejected]).toEqual([forged.length, forged.length])
    expect([signals, ctx.take()]).toEqual([[], []])
  })

  it('an origin that is not a key-derived peer id is refused', async () => {
    relay.onSignedRelay('a', { ...(await signed(alice)), origin: 'o' })
    await until(() => ctx.errors.length === 1)
    expect(ctx.errorNames()).toEqual(['InvalidPublicKeyError'])
    expect(signals).toEqual([])
  })

  it('an unsigned Relay frame is refused in a room with a secret; a SignedRelay in an open room', async () => {
    relay.onRelay('a', { type: FrameType.Relay, room: '', id: 1, origin: alice.peerId, target: me.peerId, ttl: 2, payload })
    const open = new RecordingContext({ peerId: me.peerId })
    const openRelay = new MeshRelay(open)
    openRelay.on('signal', (signal) => signals.push(signal))
    openRelay.onSignedRelay('a', await signed(alice))
    expect([ctx.errorNames(), open.errorNames()]).toEqual([['FrameNotAllowedError'], ['FrameNotAllowedError']])
    expect([ctx.stats.relaysRejected, open.stats.relaysRejected]).toEqual([1, 1])
    expect(signals).toEqual([])
  })

  it("a neighbour's frames over its verification bound are refused at once", async () => {
    const frames = await Promise.all(Array.from({ length: 33 }, (_, i) => signed(alice, { id: 100 + i })))
    for (const frame of frames) relay.onSignedRelay('a', frame)
    expect(ctx.errorNames()).toEqual(['VerifyOverloadError'])
    await until(() => signals.length === 32)
    expect(signals.every((s) => s.from === alice.peerId)).toBe(true)
  })

  it('after destroy() nothing is delivered or forwarded', async () => {
    const frames = await Promise.all([signed(alice), signed(alice, { id: 43, target: 'z' }), signed(alice, { id: 44 }, mallory)])
    relay.onSignedRelay('a', frames[0]!)
    relay.onSignedRelay('a', frames[1]!)
    relay.destroy()
    relay.onSignedRelay('a', frames[2]!)
    await until(() => ctx.errors.length === 0 && relay.pending('a') === 0)
    expect([signals, ctx.take()]).toEqual([[], []])
  })
})
