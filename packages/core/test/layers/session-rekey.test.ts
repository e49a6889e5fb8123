/**
 * Key rotation on open sessions: two trusted session layers joined by a pair of recording
 * connections (what one sends, the other receives, in order). While frames flow both ways,
 * the sessions move to a new key generation in band (both rotating at once, or one after the
 * other), and not one frame is lost or reordered; a session still on the old generation after
 * the grace period is closed; a forged Rekey answer closes the session.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { generateIdentity, type IdentityKeyPair } from '../../src/crypto/identity-keys.js'
import { deriveRoomKeys, type RoomKeys } from '../../src/crypto/room-keys.js'
import { CloseCode, FrameType, JoinPriority } from '../../src/protocol/messages.js'
import { RecordingConnection } from '../support/transport-doubles.js'
import { fixture, ROOM, rotateLayer, trustedLayer, until, type Fixture } from '../support/trusted-layer.js'

let f: Fixture
let second: IdentityKeyPair
let rotated: RoomKeys
beforeAll(async () => {
  f = await fixture()
  second = await generateIdentity()
  rotated = await deriveRoomKeys({ room: ROOM, secret: NEXT })
})

const NEXT = new Uint8Array(32).fill(42)

/** What one end sends, the other receives (a microtask later, in order); a close closes both. */
function bridge(a: RecordingConnection, b: RecordingConnection): void {
  for (const [from, to] of [
    [a, b],
    [b, a],
  ] as const) {
    const send = from.send.bind(from)
    from.send = (data) => {
      if (from.closed) return
      send(data)
      queueMicrotask(() => to.deliverBytes(data))
    }
    from.on('close', () => queueMicrotask(() => to.drop()))
  }
}

/** A dials B; both sessions open. */
async function pair() {
  const a = await trustedLayer(f)
  const b = await trustedLayer(f, {}, second)
  a.layer.dial(b.trust.peerId, undefined, JoinPriority.Low, () => undefined)
  const ca = a.transport.resolve(b.trust.peerId)
  const cb = new RecordingConnection(a.trust.peerId)
  bridge(ca, cb)
  b.layer.accept(cb)
  await until(() => a.ports.ups.length === 1 && b.ports.ups.length === 1, 'both sessions to open')
  return { a, b, ca, cb }
}

type Side = Awaited<ReturnType<typeof trustedLayer>>

/** Sends `count` pings from `from` to `to`, numbered from `start`. */
function pings(from: Side, to: Side, start: number, count: number): void {
  for (let nonce = start; nonce < start + count; nonce++) from.layer.send(to.trust.peerId, { type: FrameType.Ping, room: ROOM, nonce })
}

function received(side: Side): number[] {
  return side.ports.frames.map((x) => (x.frame.type === FrameType.Ping ? x.frame.nonce : -1))
}

const rotate = (side: Side, graceMs: number): Promise<void> => rotateLayer(side, NEXT, graceMs)

const fingerprint = (side: Side, peer: Side): string | undefined => side.layer.trusted?.generations().get(peer.trust.peerId)

describe('rekeying open sessions', () => {
  it('both sides rotate at once while frames flow both ways: none lost, none reordered', async () => {
    const { a, b } = await pair()
    pings(a, b, 0, 50)
    pings(b, a, 0, 50)
    await rotate(a, 60_000)
    await rotate(b, 60_000)
    pings(a, b, 50, 50)
    pings(b, a, 50, 50)
    await until(() => fingerprint(a, b) === rotated.fingerprint && fingerprint(b, a) === rotated.fingerprint, 'both sessions on the new keys')
    pings(a, b, 100, 10)
    pings(b, a, 100, 10)
    await until(() => received(a).length === 110 && received(b).length === 110, 'every ping')
    const expected = Array.from({ length: 110 }, (_, i) => i)
    expect(received(a)).toEqual(expected)
    expect(received(b)).toEqual(expected)
    expect([...a.ctx.errors, ...b.ctx.errors]).toEqual([])
    expect(a.trust.keys.fingerprint).toBe(rotated.fingerprint)
    expect(a.trust.previousKeys).toEqual([f.keys])
  })

  it('one side rotates first: the other keeps its offer until it rotates too, and frames keep flowing', async () => {
    const { a, b } = await pair()
    await rotate(a, 60_000)
    pings(a, b, 0, 20)
    pings(b, a, 0, 20)
    await until(() => received(a).length === 20 && received(b).length === 20, 'pings under the old keys')
    expect(fingerprint(a, b)).toBe(f.keys.fingerprint)
    await rotate(b, 60_000)
    pings(a, b, 20, 20)
    pings(b, a, 20, 20)
    await until(() => fingerprint(a, b) === rotated.fingerprint && fingerprint(b, a) === rotated.fingerprint, 'both on the new keys')
    await until(() => received(a).length === 40 && received(b).length === 40, 'every ping')
    expect(received(b)).toEqual(Array.from({ length: 40 }, (_, i) => i))
    expect([...a.ctx.errors, ...b.ctx.errors]).toEqual([])
  })

  it('after the grace period, a session still on the old generation is closed (key-expired) and counted in authFailures', async () => {
    const { a, b, ca } = await pair()
    await rotate(a, 5000)
    await a.ctx.clock.advance(4999)
    expect(ca.closed).toBe(false)
    await a.ctx.clock.advance(1)
    await until(() => ca.closed, 'the session to close')
    expect(a.ctx.errors.map((e) => [e.error.name, (e.error as { reason?: string }).reason, e.peer])).toEqual([['AuthenticationError', 'key-expired', b.trust.peerId]])
    expect(a.trust.previousKeys).toEqual([])
    // The close is an authentication failure like a refused handshake: counted.
    expect(a.ctx.stats.authFailures).toBe(1)
    // The peer was told, sealed, why: Disconnect UnknownRoom.
    await until(() => b.ports.downs.length === 1)
    expect(b.ports.downs[0]?.info).toMatchObject({ wasUp: true, cause: 'disconnect', code: CloseCode.UnknownRoom })
  })

  it('a Rekey answer to no offer, or with a forged signature, closes the session', async () => {
    const { a, b, ca } = await pair()
    // B rotates and offers; A has not rotated, so it keeps the offer. B then receives an
    // answer it cannot verify: A is made to send one signed for another transcript.
    await rotate(b, 60_000)
    a.layer.send(b.trust.peerId, { type: FrameType.Rekey, room: '', stage: 1, keyId: rotated.keyId, nonce: new Uint8Array(32), share: new Uint8Array(32).fill(9), signature: new Uint8Array(64), proof: new Uint8Array(32) } as never)
    await until(() => ca.closed, 'the session to close')
    expect(b.ctx.errors.map((e) => (e.error as { reason?: string }).reason)).toEqual([expect.stringMatching(/^(bad-signature|invalid-key|unexpected-frame)$/)])
    expect(b.ctx.stats.authFailures).toBe(1)
  })

  it('a Rekey answer with a low-order X25519 share (which would fix the new keys) closes the session: bad-share', async () => {
    const { a, b, ca } = await pair()
    await rotate(b, 60_000)
    a.layer.send(b.trust.peerId, { type: FrameType.Rekey, room: '', stage: 1, keyId: rotated.keyId, nonce: new Uint8Array(32), share: new Uint8Array(32), signature: new Uint8Array(64), proof: new Uint8Array(32) } as never)
    await until(() => ca.closed, 'the session to close')
    expect(b.ctx.errors.map((e) => (e.error as { reason?: string }).reason)).toEqual(['bad-share'])
    expect(b.ctx.stats.authFailures).toBe(1)
  })
})
