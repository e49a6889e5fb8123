/**
 * The session layer of a room with a secret, accepting side: a remote peer written by hand
 * from the specification (HandAuth) authenticates, or fails to in every way an outsider or
 * a lying insider can try. Refusals send nothing an outsider could use: at most a Disconnect
 * naming no room and no peer.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { frameAssociatedData } from '../../src/crypto/frame-ad.js'
import { deriveRoomKeys } from '../../src/crypto/room-keys.js'
import { ephemeralKey } from '../../src/crypto/key-agreement.js'
import { deriveSessionKeys } from '../../src/crypto/session-keys.js'
import { decodeFrame, encodeFrame } from '../../src/protocol/codec.js'
import { CloseCode, FrameType, JoinPriority, type HelloFrame } from '../../src/protocol/messages.js'
import { RekeyStage, type AuthWelcomeFrame } from '../../src/protocol/messages-auth.js'
import { HandAuth, strangerId } from '../support/hand-auth.js'
import { RecordingConnection } from '../support/transport-doubles.js'
import { containsBytes, fixture, ROOM, rotateLayer, sentFrame, trustedLayer, until, type Fixture } from '../support/trusted-layer.js'

let f: Fixture
beforeAll(async () => {
  f = await fixture()
})

const ROOM_BYTES = new TextEncoder().encode(ROOM)
/** The secret rotated to in the rekey cases. */
const NEXT = new Uint8Array(32).fill(42)

function hello(peerId: string, priority: HelloFrame['priority'] = JoinPriority.Low): HelloFrame {
  return { type: FrameType.Hello, room: ROOM, peerId, versionMin: 6, versionMax: 6, priority, peers: ['x'] }
}

/** Accepts a connection from `remote` and runs the whole handshake; returns the open session's pieces. */
async function authenticated(t: Awaited<ReturnType<typeof trustedLayer>>, remote: HandAuth) {
  const connection = new RecordingConnection(remote.peerId)
  t.layer.accept(connection)
  connection.deliver(await remote.hello())
  await until(() => connection.sent.length === 1, 'the AuthWelcome')
  const welcome = sentFrame(connection, 0) as AuthWelcomeFrame
  connection.deliver(await remote.confirm(welcome, t.trust.peerId))
  connection.deliverBytes(await remote.seal(hello(remote.peerId)))
  await until(() => t.ports.ups.length === 1, 'the session to open')
  await until(() => connection.sent.length === 2, 'the sealed Welcome')
  expect(decodeFrame(connection.sent[1] as Uint8Array).type).toBe(FrameType.Sealed)
  const opened = await remote.open(connection.sent[1] as Uint8Array)
  return { connection, welcome, opened }
}

/** Waits until the connection closed, and returns what was sent on it. */
async function closedWith(connection: RecordingConnection): Promise<Uint8Array[]> {
  await until(() => connection.closed, 'the connection to close')
  return connection.sent
}

describe('accepting an authenticated dialer', () => {
  it('answers AuthHello with a verifiable AuthWelcome, then admits the dialer inside the sealed channel', async () => {
    const t = await trustedLayer(f)
    const remote = t.hand()
    const { connection, welcome, opened } = await authenticated(t, remote)
    expect(welcome).toMatchObject({ type: FrameType.AuthWelcome, room: '', peerId: t.trust.peerId, version: 6 })
    expect(Buffer.from(welcome.keyId).equals(Buffer.from(f.keys.keyId))).toBe(true)
    // The room's answer to the sealed Hello: a Welcome, sealed, naming the room inside only.
    expect(opened).toMatchObject({ type: FrameType.Welcome, room: ROOM, peerId: t.trust.peerId, version: 6, accepted: true })
    for (const bytes of connection.sent) expect(containsBytes(bytes, ROOM_BYTES)).toBe(false)
    expect(t.ports.joins).toEqual([{ peer: remote.peerId, priority: JoinPriority.Low }])
    expect(t.ports.ups).toEqual([{ peer: remote.peerId, link: { neighbour: true, initiator: false, transport: 'memory' } }])
    expect(t.ctx.errors).toEqual([])
    expect(t.ctx.stats).toMatchObject({ framesRejected: 0, authFailures: 0, framesSent: 2, framesReceived: 3 })
  })

  it('seals what the room sends and hands opened frames to the room, in order', async () => {
    const t = await trustedLayer(f)
    const remote = t.hand()
    const { connection } = await authenticated(t, remote)
    for (let nonce = 1; nonce <= 20; nonce++) connection.deliverBytes(await remote.seal({ type: FrameType.Ping, room: '', nonce }))
    await until(() => t.ports.frames.length === 20, 'twenty pings')
    expect(t.ports.frames.map((x) => (x.frame.type === FrameType.Ping ? x.frame.nonce : -1))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    t.layer.sendMany([remote.peerId], { type: FrameType.Pong, room: ROOM, nonce: 5 })
    t.layer.send(remote.peerId, { type: FrameType.Ping, room: ROOM, nonce: 6 })
    await until(() => connection.sent.length === 4, 'two more frames')
    expect(await remote.open(connection.sent[2] as Uint8Array)).toEqual({ type: FrameType.Pong, room: '', nonce: 5 })
    expect(await remote.open(connection.sent[3] as Uint8Array)).toEqual({ type: FrameType.Ping, room: '', nonce: 6 })
  })

  it('does not count a connection that is still authenticating as a slot', async () => {
    const t = await trustedLayer(f)
    const remote = t.hand()
    const connection = new RecordingConnection(remote.peerId)
    t.layer.accept(connection)
    expect([t.layer.count(), t.layer.has(remote.peerId), t.layer.unproven()]).toEqual([0, false, 1])
    connection.deliver(await remote.hello())
    await until(() => connection.sent.length === 1)
    connection.deliver(await remote.confirm(sentFrame(connection, 0) as AuthWelcomeFrame, t.trust.peerId))
    await until(() => t.layer.count() === 1, 'the session to count')
    expect([t.layer.has(remote.peerId), t.layer.unproven()]).toEqual([true, 0])
  })
})

describe('refusing an outsider without a word it could use', () => {
  it('a wrong room tag (no secret): a Disconnect that names no room and no peer, then close', async () => {
    const t = await trustedLayer(f)
    const remote = t.hand()
    const connection = new RecordingConnection(remote.peerId)
    t.layer.accept(connection)
    connection.deliver(await remote.hello({ tag: new Uint8Array(32) }))
    const sent = await closedWith(connection)
    expect(sent.map((b) => decodeFrame(b))).toEqual([{ type: FrameType.Disconnect, room: '', code: CloseCode.UnknownRoom, peers: [] }])
    expect(t.ctx.errors.map((e) => [e.error.name, (e.error as { reason?: string }).reason, e.peer])).toEqual([['AuthenticationError', 'bad-tag', remote.peerId]])
    expect(t.ctx.stats).toMatchObject({ framesRejected: 1, authFailures: 1 })
    expect(t.ports.joins).toEqual([])
  })

  it('another secret (unknown key generation): the same Disconnect', async () => {
    const t = await trustedLayer(f)
    const remote = t.hand(f.remote, f.otherKeys)
    const connection = new RecordingConnection(remote.peerId)
    t.layer.accept(connection)
    connection.deliver(await remote.hello())
    expect((await closedWith(connection)).map((b) => decodeFrame(b))).toEqual([{ type: FrameType.Disconnect, room: '', code: CloseCode.UnknownRoom, peers: [] }])
    expect(t.ctx.errors.map((e) => (e.error as { reason?: string }).reason)).toEqual(['unknown-key'])
  })

  it('a plaintext Hello, a Sealed frame or a room frame before authentication: closed, nothing sent', async () => {
    for (const frame of [
      hello('outsider'),
      { type: FrameType.Sealed, room: '', sealed: new Uint8Array(40) } as const,
      { type: FrameType.Ping, room: '', nonce: 1 } as const,
      { type: FrameType.AuthConfirm, room: '', signature: new Uint8Array(64), proof: new Uint8Array(32) } as const,
    ]) {
      const t = await trustedLayer(f)
      const connection = new RecordingConnection('outsider')
      t.layer.accept(connection)
      connection.deliver(frame)
      expect(await closedWith(connection), `frame type ${frame.type}`).toEqual([])
      expect(t.ctx.errors.map((e) => (e.error as { reason?: string }).reason)).toEqual(['unexpected-frame'])
      expect(t.ctx.stats).toMatchObject({ framesRejected: 1, authFailures: 1 })
    }
  })

  it('undecodable bytes before authentication: closed, nothing sent', async () => {
    const t = await trustedLayer(f)
    const connection = new RecordingConnection('outsider')
    t.layer.accept(connection)
    connection.deliverBytes(Uint8Array.of(0xff, 0xff, 0xff))
    expect(await closedWith(connection)).toEqual([])
    expect(t.ctx.errorNames()).toEqual(['ProtocolError'])
  })

  it('an AuthHello whose peer id is not the connection\'s remote peer: closed, nothing sent', async () => {
    const t = await trustedLayer(f)
    const remote = t.hand()
    const connection = new RecordingConnection(strangerId(5))
    t.layer.accept(connection)
    connection.deliver(await remote.hello())
    expect(await closedWith(connection)).toEqual([])
    expect(t.ctx.errors.map((e) => (e.error as { reason?: string }).reason)).toEqual(['peer-mismatch'])
  })

  it('a connection that never authenticates is closed at the handshake deadline, nothing sent', async () => {
    const t = await trustedLayer(f)
    const connection = new RecordingConnection('silent')
    t.layer.accept(connection)
    await t.ctx.clock.advance(3000)
    expect(await closedWith(connection)).toEqual([])
    expect(t.ports.downs.map((d) => d.info.wasUp)).toEqual([false])
  })

  it('too many connections authenticating at once: the oldest is closed', async () => {
    const t = await trustedLayer(f, { maxUnproven: 2 })
    const connections = ['a', 'b', 'c'].map((peer) => new RecordingConnection(peer))
    for (const connection of connections) t.layer.accept(connection)
    await until(() => connections[0]?.closed === true, 'the oldest to close')
    expect(connections.map((c) => c.closed)).toEqual([true, false, false])
    expect(t.ctx.errors.map((e) => [(e.error as { reason?: string }).reason, e.peer])).toEqual([['crowded', 'a']])
    expect(t.layer.unproven()).toBe(2)
  })
})

describe('refusing a lying insider (it holds the secret)', () => {
  it('cannot take another peer\'s id: its AuthConfirm is not signed by that key', async () => {
    const t = await trustedLayer(f)
    // The insider knows the secret, so its room tag for the victim's id verifies and it gets an
    // AuthWelcome; but it signs the transcript (which names the victim's key) with its own key.
    const liar = new HandAuth(f.keys, f.insider, ROOM, f.remote.peerId)
    const connection = new RecordingConnection(f.remote.peerId)
    t.layer.accept(connection)
    connection.deliver(await liar.hello())
    await until(() => connection.sent.length === 1)
    connection.deliver(await liar.confirm(sentFrame(connection, 0) as AuthWelcomeFrame, t.trust.peerId))
    expect(await closedWith(connection)).toHaveLength(1)
    expect(t.ctx.errors.map((e) => (e.error as { reason?: string }).reason)).toEqual(['bad-signature'])
    expect(t.ports.joins).toEqual([])
    expect(t.layer.count()).toBe(0)
  })

  it('once authenticated, cannot claim another id in its Hello: refused inside the sealed channel', async () => {
    const t = await trustedLayer(f)
    const remote = t.hand()
    const connection = new RecordingConnection(remote.peerId)
    t.layer.accept(connection)
    connection.deliver(await remote.hello())
    await until(() => connection.sent.length === 1)
    connection.deliver(await remote.confirm(sentFrame(connection, 0) as AuthWelcomeFrame, t.trust.peerId))
    connection.deliverBytes(await remote.seal(hello(f.insider.peerId)))
    await until(() => connection.closed, 'the session to close')
    expect(await remote.open(connection.sent[1] as Uint8Array)).toMatchObject({ type: FrameType.Reject, code: CloseCode.ProtocolViolation })
    expect(t.ctx.errorNames()).toEqual(['ProtocolError'])
    expect(t.ports.joins).toEqual([])
    expect(t.ports.ups).toEqual([])
  })

  it('a valid signature with a wrong proof of the secret is refused', async () => {
    const t = await trustedLayer(f)
    const remote = t.hand()
    const connection = new RecordingConnection(remote.peerId)
    t.layer.accept(connection)
    connection.deliver(await remote.hello())
    await until(() => connection.sent.length === 1)
    const confirm = await remote.confirm(sentFrame(connection, 0) as AuthWelcomeFrame, t.trust.peerId)
    connection.deliver({ ...confirm, proof: confirm.proof.map((b) => b ^ 1) })
    await closedWith(connection)
    expect(t.ctx.errors.map((e) => (e.error as { reason?: string }).reason)).toEqual(['bad-proof'])
  })

  it('a replayed AuthHello and AuthConfirm of an earlier session do not authenticate a new one', async () => {
    const t = await trustedLayer(f)
    const remote = t.hand()
    const first = new RecordingConnection(remote.peerId)
    t.layer.accept(first)
    const capturedHello = await remote.hello()
    first.deliver(capturedHello)
    await until(() => first.sent.length === 1)
    const capturedConfirm = await remote.confirm(sentFrame(first, 0) as AuthWelcomeFrame, t.trust.peerId)
    first.deliver(capturedConfirm)
    await until(() => t.layer.unproven() === 0, 'the first session to authenticate')
    // An eavesdropper replays both on a new connection: the acceptor's fresh nonce makes a new transcript.
    const replay = new RecordingConnection(remote.peerId)
    t.layer.accept(replay)
    replay.deliver(capturedHello)
    await until(() => replay.sent.length === 1)
    replay.deliver(capturedConfirm)
    await closedWith(replay)
    expect(t.ctx.errors.map((e) => (e.error as { reason?: string }).reason)).toEqual(['bad-signature'])
    expect(encodeFrame(sentFrame(replay, 0))).not.toEqual(first.sent[0])
  })

  it('a build from before version 5 (its AuthHello has versions 3 to 3 and no share): Disconnect VersionMismatch, nothing signed', async () => {
    const t = await trustedLayer(f)
    const remote = t.hand()
    const connection = new RecordingConnection(remote.peerId)
    t.layer.accept(connection)
    connection.deliverBytes(encodeFrame(await remote.hello({ versionMin: 3, versionMax: 3, share: new Uint8Array(0) })))
    const sent = await closedWith(connection)
    expect(sent.map((b) => decodeFrame(b))).toEqual([{ type: FrameType.Disconnect, room: '', code: CloseCode.VersionMismatch, peers: [] }])
    expect(t.ctx.errors.map((e) => e.error.name)).toEqual(['VersionMismatchError'])
  })

  it('an AuthHello with a low-order X25519 share (it would fix the session keys) is refused: bad-share, nothing signed', async () => {
    const t = await trustedLayer(f)
    const remote = t.hand()
    const connection = new RecordingConnection(remote.peerId)
    t.layer.accept(connection)
    connection.deliver(await remote.hello({ share: new Uint8Array(32) }))
    await closedWith(connection)
    expect(connection.sent.map((b) => decodeFrame(b).type)).not.toContain(FrameType.AuthWelcome)
    expect(t.ctx.errors.map((e) => [e.error.name, (e.error as { reason?: string }).reason])).toEqual([['AuthenticationError', 'bad-share']])
    expect(t.ctx.stats).toMatchObject({ authFailures: 1 })
  })

  it('an insider who sees the whole handshake (it knows the secret) cannot derive the session keys without an X25519 private key', async () => {
    const t = await trustedLayer(f)
    const remote = t.hand()
    const { connection, welcome } = await authenticated(t, remote)
    const transcript = remote.transcript
    if (transcript === undefined) throw new Error('no transcript')
    // It has the room keys, the public transcript and both shares; its own X25519 key agrees on another secret.
    const middle = await ephemeralKey()
    const guessed = await deriveSessionKeys(f.keys, transcript, 'initiator', await middle.agree(welcome.share))
    const sealed = decodeFrame(connection.sent[1] as Uint8Array)
    if (sealed.type !== FrameType.Sealed) throw new Error('expected a Sealed frame')
    await expect(guessed.opener.open(sealed.sealed, (sequence) => frameAssociatedData({ version: 6, room: ROOM, sender: t.trust.peerId, sequence }))).rejects.toMatchObject({ name: 'DecryptError' })
    // The honest dialer opens it (it did above, in authenticated()).
  })
})

/** An authenticated session whose room side rotated to NEXT and sent its Rekey offer. */
async function offered() {
  const t = await trustedLayer(f)
  const remote = t.hand()
  const { connection } = await authenticated(t, remote)
  const next = await deriveRoomKeys({ room: ROOM, secret: NEXT })
  await rotateLayer(t, NEXT, 60_000)
  await until(() => connection.sent.length === 3, 'the sealed Rekey offer')
  const offer = await remote.open(connection.sent[2] as Uint8Array)
  if (offer.type !== FrameType.Rekey || offer.stage !== RekeyStage.Offer) throw new Error(`expected a Rekey offer, got ${JSON.stringify(offer)}`)
  return { t, remote, connection, next, offer }
}

describe('rekeying, against the specification', () => {
  it('a rekey moves the session to keys that mix in a fresh X25519 secret, exactly as the specification derives them', async () => {
    const { t, remote, connection, next, offer } = await offered()
    expect(Buffer.from(offer.keyId).equals(Buffer.from(next.keyId))).toBe(true)
    expect(offer.share.length).toBe(32)
    connection.deliverBytes(await remote.sealRekeyAnswer(await remote.rekeyAnswer(offer, next)))
    await until(() => connection.sent.length === 4, 'the Rekey confirmation')
    const confirm = await remote.open(connection.sent[3] as Uint8Array)
    if (confirm.type !== FrameType.Rekey || confirm.stage !== RekeyStage.Confirm) throw new Error('expected a Rekey confirmation')
    await remote.rekeyConfirmed(confirm)
    // From here both directions use the keys the hand-written side derived on its own.
    t.layer.send(remote.peerId, { type: FrameType.Ping, room: ROOM, nonce: 7 })
    await until(() => connection.sent.length === 5, 'a frame under the new keys')
    expect(await remote.open(connection.sent[4] as Uint8Array)).toEqual({ type: FrameType.Ping, room: '', nonce: 7 })
    connection.deliverBytes(await remote.seal({ type: FrameType.Ping, room: '', nonce: 8 }))
    await until(() => t.ports.frames.some((x) => x.frame.type === FrameType.Ping && x.frame.nonce === 8), 'the remote frame under the new keys')
    expect(t.layer.trusted?.generations().get(remote.peerId)).toBe(next.fingerprint)
    expect(t.ctx.errors).toEqual([])
  })

  it('a Rekey answer whose share is not the one signed does not verify: the session closes', async () => {
    const { t, remote, connection, next, offer } = await offered()
    // A peer in the middle swaps in a share of its own: the signature over the transcript no longer holds.
    const swapped = await ephemeralKey()
    connection.deliverBytes(await remote.sealRekeyAnswer(await remote.rekeyAnswer(offer, next, { share: swapped.share })))
    await closedWith(connection)
    expect(t.ctx.errors.map((e) => (e.error as { reason?: string }).reason)).toEqual(['bad-signature'])
  })

  it('a Rekey offer with a low-order X25519 share closes the session: bad-share', async () => {
    const t = await trustedLayer(f)
    const remote = t.hand()
    const { connection } = await authenticated(t, remote)
    const next = await deriveRoomKeys({ room: ROOM, secret: NEXT })
    await rotateLayer(t, NEXT, 60_000)
    // The dialer's offer wins over the room's own: the room answers it, and refuses its share.
    connection.deliverBytes(await remote.seal({ type: FrameType.Rekey, room: '', stage: RekeyStage.Offer, keyId: next.keyId, nonce: new Uint8Array(32).fill(1), share: new Uint8Array(32) }))
    await closedWith(connection)
    expect(t.ctx.errors.map((e) => (e.error as { reason?: string }).reason)).toEqual(['bad-share'])
    expect(t.ctx.stats).toMatchObject({ authFailures: 1 })
  })
})
