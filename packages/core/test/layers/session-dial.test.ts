/**
 * The session layer, dialing side: dials through a scripted transport (resolved or rejected
 * by the test), the Welcome and Reject a dialer gets, duplicate sessions, and glare (both
 * peers dialing at once), the last with two session layers whose connections the test
 * pumps by hand, in a chosen order.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { TransportError } from '../../src/errors.js'
import { VERSIONS } from '../../src/layers/handshake.js'
import { SessionLayer } from '../../src/layers/session-layer.js'
import { CloseCode, FrameType, JoinPriority, type HelloFrame, type WelcomeFrame } from '../../src/protocol/messages.js'
import { flushMicrotasks } from '../../src/virtual-clock.js'
import { RecordingContext, RecordingSessionPorts } from '../support/layer-harness.js'
import { RecordingConnection, ScriptedTransport } from '../support/transport-doubles.js'

let ctx: RecordingContext
let ports: RecordingSessionPorts
let transport: ScriptedTransport
let layer: SessionLayer
let room: AbortController
let failures: unknown[]

beforeEach(() => {
  ctx = new RecordingContext({ peerId: 'm' })
  ports = new RecordingSessionPorts()
  transport = new ScriptedTransport('memory')
  room = new AbortController()
  layer = new SessionLayer(ctx, { handshakeTimeoutMs: 3000 }, [transport, new ScriptedTransport('webrtc')], room.signal, ports)
  failures = []
})

function welcome(peer: string, fields: Partial<WelcomeFrame> = {}): WelcomeFrame {
  return { type: FrameType.Welcome, room: 'r', peerId: peer, version: VERSIONS.max, accepted: true, peers: ['w'], ...fields }
}

function hello(peer: string): HelloFrame {
  return { type: FrameType.Hello, room: 'r', peerId: peer, versionMin: VERSIONS.min, versionMax: VERSIONS.max, priority: JoinPriority.Low, peers: [] }
}

/** Dials `peer` and resolves the dial; returns the connection with the Hello drained. */
async function dialed(peer: string, priority: HelloFrame['priority'] = JoinPriority.Low): Promise<RecordingConnection> {
  layer.dial(peer, undefined, priority, (error) => failures.push(error))
  const connection = transport.resolve(peer)
  await flushMicrotasks()
  connection.take()
  return connection
}

describe('dialing', () => {
  it('holds a slot while in flight, then sends Hello with the priority and the ports sample', async () => {
    layer.dial('p', undefined, JoinPriority.High, (error) => failures.push(error))
    expect([layer.count(), layer.has('p'), layer.peers()]).toEqual([1, true, ['p']])
    expect(transport.dials).toMatchObject([{ peer: 'p', options: { urgent: true } }])
    const connection = transport.resolve('p')
    await flushMicrotasks()
    expect(connection.take()).toEqual([
      { type: FrameType.Hello, room: 'r', peerId: 'm', versionMin: VERSIONS.min, versionMax: VERSIONS.max, priority: JoinPriority.High, peers: ['s1', 's2'] },
    ])
    expect(ports.samples).toEqual(['p'])
    expect(layer.count()).toBe(1)
    expect(ports.ups).toEqual([])
  })

  it('a low-priority dial is not urgent; a named transport is used', async () => {
    const webrtc = new ScriptedTransport('webrtc')
    layer = new SessionLayer(ctx, { handshakeTimeoutMs: 3000 }, [transport, webrtc], room.signal, ports)
    layer.dial('p', 'webrtc', JoinPriority.Low, (error) => failures.push(error))
    expect(transport.dials).toEqual([])
    expect(webrtc.dials).toMatchObject([{ peer: 'p', options: { urgent: false } }])
    webrtc.resolve('p').deliver(welcome('p'))
    await flushMicrotasks()
  })

  it('a Welcome brings it up as ours, and teaches its peers', async () => {
    const connection = await dialed('p')
    connection.deliver(welcome('p'))
    expect(ports.learned).toEqual([{ peers: ['w'], transport: 'memory' }])
    expect(ports.ups).toEqual([{ peer: 'p', link: { neighbour: true, initiator: true, transport: 'memory' } }])
    const transient = await dialed('q', JoinPriority.Transient)
    transient.deliver(welcome('q', { accepted: false }))
    expect(ports.ups[1]).toEqual({ peer: 'q', link: { neighbour: false, initiator: true, transport: 'memory' } })
  })

  it('a failed dial frees the slot and calls onFailure', async () => {
    const error = new TransportError('unreachable')
    layer.dial('p', undefined, JoinPriority.Low, (e) => failures.push(e))
    transport.reject('p', error)
    await flushMicrotasks()
    expect(failures).toEqual([error])
    expect([layer.count(), layer.has('p')]).toEqual([0, false])
    expect(ports.downs).toEqual([])
  })

  it('a room with no transport fails the dial with a TransportError', async () => {
    layer = new SessionLayer(ctx, { handshakeTimeoutMs: 3000 }, [], room.signal, ports)
    layer.dial('p', undefined, JoinPriority.Low, (e) => failures.push(e))
    await flushMicrotasks()
    expect(failures).toMatchObject([{ name: 'TransportError' }])
  })

  it('after the room closed, a failure is not reported and a late connection is closed', async () => {
    layer.dial('p', undefined, JoinPriority.Low, (e) => failures.push(e))
    layer.dial('q', undefined, JoinPriority.Low, (e) => failures.push(e))
    room.abort()
    transport.reject('p', new TransportError('aborted'))
    const late = transport.resolve('q')
    await flushMicrotasks()
    expect(failures).toEqual([])
    expect(late.closed).toBe(true)
    expect(late.sent).toEqual([])
    expect(layer.count()).toBe(0)
  })

  it('a dialed session that gets no Welcome times out', async () => {
    const connection = await dialed('p')
    await ctx.clock.advance(3000)
    // Three times: the acceptor may hold the link open (its Welcome was lost), and a lost goodbye would look like a crash to it.
    expect(connection.take()).toEqual(Array(3).fill({ type: FrameType.Disconnect, room: 'r', code: CloseCode.Timeout, peers: [] }))
    expect(ports.downs).toMatchObject([{ peer: 'p', info: { wasUp: false, cause: 'closed' } }])
  })
})

describe('answers a dialer can get', () => {
  it('a Welcome with a version we do not speak: VersionMismatchError, Disconnect, closed', async () => {
    const connection = await dialed('p')
    connection.deliver(welcome('p', { version: VERSIONS.max + 1 }))
    expect(ctx.errorNames()).toEqual(['VersionMismatchError'])
    expect(connection.take()).toEqual([{ type: FrameType.Disconnect, room: 'r', code: CloseCode.VersionMismatch, peers: [] }])
    expect(ports.ups).toEqual([])
    expect(ports.downs).toMatchObject([{ peer: 'p', info: { wasUp: false, cause: 'closed' } }])
  })

  it('a Welcome from another peer id: ProtocolError, Disconnect ProtocolViolation', async () => {
    const connection = await dialed('p')
    connection.deliver(welcome('mallory'))
    expect(ctx.errorNames()).toEqual(['ProtocolError'])
    expect(connection.take()).toMatchObject([{ type: FrameType.Disconnect, code: CloseCode.ProtocolViolation }])
    expect(ports.ups).toEqual([])
  })

  it('a Reject for a crossed dial is routine: closed, nothing reported', async () => {
    const connection = await dialed('p')
    connection.deliver({ type: FrameType.Reject, room: 'r', code: CloseCode.Duplicate, reason: 'duplicate connection', versionMin: 4, versionMax: 4 })
    expect(ctx.errors).toEqual([])
    expect(connection.closed).toBe(true)
    expect(connection.take()).toEqual([])
    expect(ports.downs).toEqual([{ peer: 'p', info: { wasUp: false, cause: 'closed', peers: [], transport: 'memory' } }])
  })

  it('a Reject for versions is reported as a VersionMismatchError', async () => {
    const connection = await dialed('p')
    connection.deliver({ type: FrameType.Reject, room: 'r', code: CloseCode.VersionMismatch, reason: 'no', versionMin: 9, versionMax: 9 })
    expect(ctx.errorNames()).toEqual(['VersionMismatchError'])
    expect(connection.closed).toBe(true)
  })

  it('a Hello on a connection we dialed is reported and ignored', async () => {
    const connection = await dialed('p')
    connection.deliver(hello('p'))
    expect(ctx.errorNames()).toEqual(['ProtocolError'])
    expect(connection.closed).toBe(false)
  })
})

describe('duplicate sessions with one peer', () => {
  it('a new Hello from a peer with an open session closes the older one', () => {
    const older = new RecordingConnection('p')
    layer.accept(older)
    older.deliver(hello('p'))
    older.take()
    const newer = new RecordingConnection('p')
    layer.accept(newer)
    newer.deliver(hello('p'))
    // On an open link the goodbye goes three times (nothing acknowledges it).
    expect(older.take()).toEqual(Array(3).fill({ type: FrameType.Disconnect, room: '', code: CloseCode.Duplicate, peers: [] }))
    expect(older.closed).toBe(true)
    expect(newer.take()).toMatchObject([{ type: FrameType.Welcome }])
    expect(ports.downs).toEqual([{ peer: 'p', info: { wasUp: true, cause: 'closed', peers: [], transport: 'memory' } }])
    expect(ports.ups.map((u) => u.peer)).toEqual(['p', 'p'])
    expect(layer.count()).toBe(1)
  })

  it('a Welcome for our dial closes an older open session with the same peer', async () => {
    const older = new RecordingConnection('p')
    layer.accept(older)
    older.deliver(hello('p'))
    older.take()
    const connection = await dialed('p')
    connection.deliver(welcome('p'))
    // On an open link the goodbye goes three times (nothing acknowledges it).
    expect(older.take()).toEqual(Array(3).fill({ type: FrameType.Disconnect, room: '', code: CloseCode.Duplicate, peers: [] }))
    expect(ports.downs).toMatchObject([{ peer: 'p', info: { wasUp: true, cause: 'closed' } }])
    expect(ports.ups.map((u) => u.link.initiator)).toEqual([false, true])
    layer.send('p', { type: FrameType.Ping, room: 'r', nonce: 3 })
    expect(connection.take()).toEqual([{ type: FrameType.Ping, room: '', nonce: 3 }])
  })
})

/** One side of a glare test: a session layer with its own context, ports and transport. */
function side(peerId: string): { layer: SessionLayer; ports: RecordingSessionPorts; transport: ScriptedTransport; ctx: RecordingContext } {
  const sideCtx = new RecordingContext({ peerId })
  const sidePorts = new RecordingSessionPorts()
  const sideTransport = new ScriptedTransport()
  return { layer: new SessionLayer(sideCtx, { handshakeTimeoutMs: 3000 }, [sideTransport], room.signal, sidePorts), ports: sidePorts, transport: sideTransport, ctx: sideCtx }
}

/** Delivers everything `from` sent to `to`, then its close. */
function pump(from: RecordingConnection, to: RecordingConnection): void {
  for (const bytes of from.sent.splice(0)) to.deliverBytes(bytes)
  if (from.closed) to.drop()
}

/**
 * 'a' and 'b' dial each other at once. Connection 1 is a's dial (a1 at a, b1 at b),
 * connection 2 is b's (b2 at b, a2 at a). Both Hellos are written when this returns.
 */
async function crossedDials(): Promise<{ a: ReturnType<typeof side>; b: ReturnType<typeof side>; a1: RecordingConnection; b1: RecordingConnection; a2: RecordingConnection; b2: RecordingConnection }> {
  const a = side('a')
  const b = side('b')
  a.layer.dial('b', undefined, JoinPriority.Low, () => {})
  b.layer.dial('a', undefined, JoinPriority.Low, () => {})
  const a1 = a.transport.resolve('b')
  const b1 = new RecordingConnection('a')
  b.layer.accept(b1)
  const b2 = b.transport.resolve('a')
  const a2 = new RecordingConnection('b')
  a.layer.accept(a2)
  await flushMicrotasks()
  return { a, b, a1, b1, a2, b2 }
}

describe('glare: both peers dial at once', () => {
  it('each side sees the other Hello while its own dial is in handshake: the dial of the smaller id survives', async () => {
    const { a, b, a1, b1, a2, b2 } = await crossedDials()
    pump(a1, b1) // b: a's Hello; b's own dial is in handshake and b > a, so b drops its own dial
    expect(b2.closed).toBe(true)
    pump(b2, a2) // a: b's Hello; a's own dial is in handshake and a < b, so a refuses it
    expect(a2.closed).toBe(true)
    pump(b1, a1) // a: the Welcome for its dial
    pump(a2, b2)
    expect([a.layer.count(), b.layer.count()]).toEqual([1, 1])
    expect(a.ports.ups).toEqual([{ peer: 'b', link: { neighbour: true, initiator: true, transport: 'memory' } }])
    expect(b.ports.ups).toEqual([{ peer: 'a', link: { neighbour: true, initiator: false, transport: 'memory' } }])
    expect([a1.closed, b1.closed]).toEqual([false, false])
    expect([...a.ctx.errors, ...b.ctx.errors]).toEqual([])
  })

  it('the same outcome when a sees b’s Hello first', async () => {
    const { a, b, a1, b1, a2, b2 } = await crossedDials()
    pump(b2, a2)
    pump(a1, b1)
    pump(b1, a1)
    pump(a2, b2)
    expect([a.layer.count(), b.layer.count()]).toEqual([1, 1])
    expect([a1.closed, b1.closed, a2.closed, b2.closed]).toEqual([false, false, true, true])
    expect(a.ports.ups).toHaveLength(1)
    expect(b.ports.ups).toHaveLength(1)
  })

  it('a dial still in flight when the other Hello is welcomed: the later link replaces the first, one remains', async () => {
    const a = side('a')
    const b = side('b')
    a.layer.dial('b', undefined, JoinPriority.Low, () => {})
    b.layer.dial('a', undefined, JoinPriority.Low, () => {})
    const b2 = b.transport.resolve('a')
    const a2 = new RecordingConnection('b')
    a.layer.accept(a2)
    await flushMicrotasks()
    pump(b2, a2) // a welcomes b's dial: its own dial is no session yet, so no glare
    pump(a2, b2)
    const a1 = a.transport.resolve('b')
    const b1 = new RecordingConnection('a')
    b.layer.accept(b1)
    await flushMicrotasks()
    pump(a1, b1) // b: a Hello from a peer with an open session replaces it
    pump(b1, a1) // a: the Welcome for its dial replaces the older open session
    pump(b2, a2)
    pump(a2, b2)
    expect([a.layer.count(), b.layer.count()]).toEqual([1, 1])
    expect([a1.closed, b1.closed, a2.closed, b2.closed]).toEqual([false, false, true, true])
    expect([a.ports.downs.length, b.ports.downs.length]).toEqual([1, 1])
  })

  // Regression: when the Welcome for a's dial overtook b's crossed Hello on the other
  // connection, a took that Hello for a redial and closed its own open session (Duplicate),
  // while b had already dropped its own dial by the glare rule: both links died. An open
  // session younger than a handshake now counts as a crossed dial.
  it('a Welcome that overtakes the crossed Hello still leaves one link', async () => {
    const { a, b, a1, b1, a2, b2 } = await crossedDials()
    pump(a1, b1) // b drops its dial (Disconnect queued behind its Hello) and welcomes a's
    pump(b1, a1) // a: Welcome, a's dial is open
    pump(b2, a2) // a: b's Hello, then its Disconnect
    pump(a1, b1)
    pump(a2, b2)
    expect([a.layer.count(), b.layer.count()]).toEqual([1, 1])
  })
})
