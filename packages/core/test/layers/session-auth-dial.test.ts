/**
 * The session layer of a room with a secret, dialing side, and the sealed channel once open:
 * the AuthHello's layout, a replayed or forged AuthWelcome, a retry with the previous key
 * generation, and sealed frames that are tampered with, replayed, reordered or flooded.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { deriveRoomKeys } from '../../src/crypto/room-keys.js'
import { SessionLayer } from '../../src/layers/session-layer.js'
import { decodeFrame, encodeFrame } from '../../src/protocol/codec.js'
import { CloseCode, FrameType, JoinPriority } from '../../src/protocol/messages.js'
import type { AuthHelloFrame, SealedFrame } from '../../src/protocol/messages-auth.js'
import { HandAuth, tagOf } from '../support/hand-auth.js'
import { RecordingContext, RecordingSessionPorts } from '../support/layer-harness.js'
import { RecordingConnection, ScriptedTransport } from '../support/transport-doubles.js'
import { fixture, ROOM, rotateLayer, sentFrame, trustedLayer, until, type Fixture } from '../support/trusted-layer.js'

let f: Fixture
beforeAll(async () => {
  f = await fixture()
})

const reasons = (t: Awaited<ReturnType<typeof trustedLayer>>): (string | undefined)[] => t.ctx.errors.map((e) => (e.error as { reason?: string }).reason ?? e.error.name)

/** Dials the hand-written `remote` and completes the handshake and the join; returns the connection. */
async function dialed(t: Awaited<ReturnType<typeof trustedLayer>>, remote: HandAuth) {
  const failures: unknown[] = []
  t.layer.dial(remote.peerId, undefined, JoinPriority.High, (e) => failures.push(e))
  const connection = t.transport.resolve(remote.peerId)
  await until(() => connection.sent.length === 1, 'the AuthHello')
  const hello = sentFrame(connection, 0) as AuthHelloFrame
  const welcome = await remote.welcome(hello)
  connection.deliver(welcome)
  await until(() => connection.sent.length === 3, 'AuthConfirm and the sealed Hello')
  return { connection, hello, welcome, failures }
}

describe('dialing with a secret', () => {
  it('sends an AuthHello whose room tag proves the secret, then AuthConfirm and its Hello sealed', async () => {
    const t = await trustedLayer(f)
    const remote = t.hand()
    const { connection, hello } = await dialed(t, remote)
    expect(hello).toMatchObject({ type: FrameType.AuthHello, room: '', peerId: t.trust.peerId, versionMin: 6, versionMax: 6 })
    expect(Buffer.from(hello.keyId).equals(Buffer.from(f.keys.keyId))).toBe(true)
    expect(Buffer.from(hello.tag).equals(Buffer.from(await tagOf(f.keys, t.trust.peerId, hello.nonce)))).toBe(true)
    const confirm = sentFrame(connection, 1)
    expect(confirm.type).toBe(FrameType.AuthConfirm)
    expect(await remote.accept(confirm as never)).toBe(true)
    const inner = await remote.open(connection.sent[2] as Uint8Array)
    expect(inner).toMatchObject({ type: FrameType.Hello, room: ROOM, peerId: t.trust.peerId, versionMin: 6, versionMax: 6, priority: JoinPriority.High })
    connection.deliverBytes(await remote.seal({ type: FrameType.Welcome, room: ROOM, peerId: remote.peerId, version: 6, accepted: true, peers: [] }))
    await until(() => t.ports.ups.length === 1, 'the session to open')
    expect(t.ports.ups[0]).toEqual({ peer: remote.peerId, link: { neighbour: true, initiator: true, transport: 'memory' } })
    expect(t.ctx.errors).toEqual([])
  })

  it('refuses an AuthWelcome with a low-order X25519 share (it would fix the keys): bad-share, no AuthConfirm', async () => {
    const t = await trustedLayer(f)
    const remote = t.hand()
    t.layer.dial(remote.peerId, undefined, JoinPriority.High, () => undefined)
    const connection = t.transport.resolve(remote.peerId)
    await until(() => connection.sent.length === 1, 'the AuthHello')
    const welcome = await remote.welcome(sentFrame(connection, 0) as AuthHelloFrame)
    connection.deliver({ ...welcome, share: new Uint8Array(32) })
    await until(() => connection.closed, 'the connection to close')
    expect(connection.sent.map((bytes) => decodeFrame(bytes).type)).toEqual([FrameType.AuthHello])
    expect(reasons(t)).toEqual(['bad-share'])
  })

  it('refuses a replayed AuthWelcome: its signature covers another dial\'s nonce', async () => {
    const t = await trustedLayer(f)
    const remote = t.hand()
    const { welcome } = await dialed(t, remote)
    const t2 = await trustedLayer(f)
    t2.layer.dial(remote.peerId, undefined, JoinPriority.Low, () => undefined)
    const connection = t2.transport.resolve(remote.peerId)
    await until(() => connection.sent.length === 1)
    connection.deliver(welcome)
    await until(() => connection.closed, 'the connection to close')
    expect(connection.sent).toHaveLength(1) // the AuthHello, and nothing after it
    expect(reasons(t2)).toEqual(['bad-signature'])
    expect(t2.ctx.stats).toMatchObject({ framesRejected: 1, authFailures: 1 })
    expect(t2.ports.downs.map((d) => d.info.cause)).toEqual(['lost'])
  })

  it('refuses an AuthWelcome from another peer than the one dialed, or without the secret', async () => {
    for (const [name, remote, expected] of [
      ['impostor', new HandAuth(f.keys, f.insider, ROOM), 'peer-mismatch'],
      ['no secret', new HandAuth(f.otherKeys, f.remote, ROOM), 'bad-proof'],
    ] as const) {
      const t = await trustedLayer(f)
      t.layer.dial(f.remote.peerId, undefined, JoinPriority.Low, () => undefined)
      const connection = t.transport.resolve(f.remote.peerId)
      await until(() => connection.sent.length === 1)
      const welcome = await remote.welcome(sentFrame(connection, 0) as AuthHelloFrame)
      connection.deliver({ ...welcome, keyId: f.keys.keyId })
      await until(() => connection.closed, name)
      expect(connection.sent, name).toHaveLength(1)
      expect(reasons(t), name).toEqual([expected])
    }
  })

  it('retries with the previous key generation when the acceptor does not hold the new one', async () => {
    const t = await trustedLayer(f)
    const rotated = await deriveRoomKeys({ room: ROOM, secret: new Uint8Array(32).fill(9) })
    await rotateLayer(t, new Uint8Array(32).fill(9), 60_000)
    t.layer.dial(f.remote.peerId, undefined, JoinPriority.Low, () => undefined)
    const first = t.transport.resolve(f.remote.peerId)
    await until(() => first.sent.length === 1)
    expect(Buffer.from((sentFrame(first, 0) as AuthHelloFrame).keyId).equals(Buffer.from(rotated.keyId))).toBe(true)
    first.deliver({ type: FrameType.Disconnect, room: '', code: CloseCode.UnknownRoom, peers: [] })
    await until(() => t.transport.dials.length === 2, 'the redial')
    expect(t.layer.has(f.remote.peerId)).toBe(true)
    const second = t.transport.resolve(f.remote.peerId)
    await until(() => second.sent.length === 1)
    const hello = sentFrame(second, 0) as AuthHelloFrame
    expect(Buffer.from(hello.keyId).equals(Buffer.from(f.keys.keyId))).toBe(true)
    const remote = t.hand()
    second.deliver(await remote.welcome(hello))
    await until(() => second.sent.length >= 3, 'the handshake under the previous generation')
    expect(t.ctx.errors).toEqual([])
    // Authenticated under the previous generation, the session offers to move to the new one.
    expect(await remote.accept(sentFrame(second, 1) as never)).toBe(true)
    const inner = [await remote.open(second.sent[2] as Uint8Array)]
    await until(() => second.sent.length === 4, 'the rekey offer')
    inner.push(await remote.open(second.sent[3] as Uint8Array))
    expect(inner.map((x) => x.type).sort()).toEqual([FrameType.Hello, FrameType.Rekey].sort())
  })

  it('gives up (counted, reported) when the acceptor refuses and no older generation is left', async () => {
    const t = await trustedLayer(f)
    t.layer.dial(f.remote.peerId, undefined, JoinPriority.Low, () => undefined)
    const connection = t.transport.resolve(f.remote.peerId)
    await until(() => connection.sent.length === 1)
    connection.deliver({ type: FrameType.Disconnect, room: '', code: CloseCode.UnknownRoom, peers: [] })
    await until(() => connection.closed)
    expect(reasons(t)).toEqual(['refused'])
    expect(t.transport.dials).toHaveLength(1)
    expect(t.ctx.stats).toMatchObject({ framesRejected: 0, authFailures: 1 })
  })
})

describe('the sealed channel of an open session', () => {
  async function open() {
    const t = await trustedLayer(f, { channelLimits: { frames: 8, bytes: 1 << 20 } })
    const remote = t.hand()
    const { connection } = await dialed(t, remote)
    await remote.accept(sentFrame(connection, 1) as never)
    await remote.open(connection.sent[2] as Uint8Array)
    connection.deliverBytes(await remote.seal({ type: FrameType.Welcome, room: ROOM, peerId: remote.peerId, version: 6, accepted: true, peers: [] }))
    await until(() => t.ports.ups.length === 1)
    return { t, remote, connection }
  }

  it('closes the session on a tampered frame (DecryptError), counting it against the sender', async () => {
    const { t, remote, connection } = await open()
    const sealed = await remote.seal({ type: FrameType.Ping, room: '', nonce: 1 })
    const tampered = sealed.slice()
    tampered[tampered.length - 3] = (tampered[tampered.length - 3] as number) ^ 0x40
    connection.deliverBytes(tampered)
    await until(() => connection.closed, 'the session to close')
    expect(t.ctx.errors.map((e) => [e.error.name, e.peer])).toEqual([['DecryptError', remote.peerId]])
    expect(t.ctx.stats).toMatchObject({ framesRejected: 1, authFailures: 1 })
    expect(t.ports.frames).toEqual([])
    expect(t.ports.downs.map((d) => [d.info.wasUp, d.info.cause])).toEqual([[true, 'lost']])
  })

  it('closes the session on a replayed frame (FrameReplayError) and on a reordered one (FrameOrderError)', async () => {
    const replay = await open()
    const ping = await replay.remote.seal({ type: FrameType.Ping, room: '', nonce: 1 })
    replay.connection.deliverBytes(ping)
    replay.connection.deliverBytes(ping)
    await until(() => replay.connection.closed)
    expect(replay.t.ctx.errorNames()).toEqual(['FrameReplayError'])
    expect(replay.t.ports.frames).toHaveLength(1)

    const reorder = await open()
    const first = await reorder.remote.seal({ type: FrameType.Ping, room: '', nonce: 1 })
    const second = await reorder.remote.seal({ type: FrameType.Ping, room: '', nonce: 2 })
    reorder.connection.deliverBytes(second)
    reorder.connection.deliverBytes(first)
    await until(() => reorder.connection.closed)
    expect(reorder.t.ctx.errorNames()).toEqual(['FrameOrderError'])
    expect(reorder.t.ports.frames).toEqual([])
  })

  it('refuses a plaintext frame once sealed: a frame an outsider could inject', async () => {
    const { t, connection } = await open()
    connection.deliver({ type: FrameType.Ping, room: '', nonce: 1 })
    await until(() => connection.closed)
    expect(reasons(t)).toEqual(['unexpected-frame'])
    expect(t.ports.frames).toEqual([])
  })

  it('cuts off a peer that floods faster than frames are opened (SessionOverflowError)', async () => {
    const { t, remote, connection } = await open()
    const frames: Uint8Array[] = []
    for (let nonce = 0; nonce < 20; nonce++) frames.push(await remote.seal({ type: FrameType.Ping, room: '', nonce }))
    for (const bytes of frames) connection.deliverBytes(bytes) // all at once: the queue holds 8
    await until(() => connection.closed)
    expect(t.ctx.errorNames()).toEqual(['SessionOverflowError'])
    expect(t.ports.frames.length).toBeLessThanOrEqual(8)
    const sealed = decodeFrame(frames[0] as Uint8Array) as SealedFrame
    expect(sealed.sealed.length).toBe(encodeFrame({ type: FrameType.Ping, room: '', nonce: 0 }).length + 1 + 16)
  })
})

describe('a room without a secret', () => {
  it('refuses the frames of authenticated sessions', async () => {
    const ctx = new RecordingContext({ peerId: 'm', room: ROOM })
    const layer = new SessionLayer(ctx, { handshakeTimeoutMs: 3000 }, [new ScriptedTransport()], new AbortController().signal, new RecordingSessionPorts())
    const connection = new RecordingConnection('p')
    layer.accept(connection)
    const remote = new HandAuth(f.keys, f.remote, ROOM)
    connection.deliver(await remote.hello())
    expect(ctx.errorNames()).toEqual(['ProtocolError'])
    expect(ctx.stats.framesRejected).toBe(1)
    expect(connection.closed).toBe(true)
  })
})
