/**
 * The session layer, accepting side: a recording connection delivers frames to it, and the
 * test asserts what it writes back (decoded with the real codec), what it tells its ports,
 * and what it reports. Time is a virtual clock.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { VERSIONS } from '../../src/layers/handshake.js'
import { SessionLayer } from '../../src/layers/session-layer.js'
import { encodeFrame } from '../../src/protocol/codec.js'
import { CloseCode, FrameType, JoinPriority, type Frame, type HelloFrame } from '../../src/protocol/messages.js'
import { RecordingContext, RecordingSessionPorts } from '../support/layer-harness.js'
import { RecordingConnection, ScriptedTransport } from '../support/transport-doubles.js'

const HANDSHAKE_MS = 3000

let ctx: RecordingContext
let ports: RecordingSessionPorts
let layer: SessionLayer
let room: AbortController

beforeEach(() => {
  ctx = new RecordingContext({ peerId: 'm', room: 'r' })
  ports = new RecordingSessionPorts()
  room = new AbortController()
  layer = new SessionLayer(ctx, { handshakeTimeoutMs: HANDSHAKE_MS }, [new ScriptedTransport()], room.signal, ports)
})

function hello(peer: string, fields: Partial<HelloFrame> = {}): HelloFrame {
  return { type: FrameType.Hello, room: 'r', peerId: peer, versionMin: VERSIONS.min, versionMax: VERSIONS.max, priority: JoinPriority.Low, peers: ['x', 'y'], ...fields }
}

/** Accepts a connection from `peer` and completes its handshake. */
function accepted(peer: string, priority: HelloFrame['priority'] = JoinPriority.Low): RecordingConnection {
  const connection = new RecordingConnection(peer)
  layer.accept(connection)
  connection.deliver(hello(peer, { priority }))
  return connection
}

describe('accepting a Hello', () => {
  it('answers Welcome naming the room and the negotiated version, and tells the ports', () => {
    const connection = accepted('p')
    expect(connection.take()).toEqual([{ type: FrameType.Welcome, room: 'r', peerId: 'm', version: VERSIONS.max, accepted: true, peers: ['s1', 's2'] }])
    expect(ports.learned).toEqual([{ peers: ['x', 'y'], transport: 'memory' }])
    expect(ports.joins).toEqual([{ peer: 'p', priority: JoinPriority.Low }])
    expect(ports.samples).toEqual(['p'])
    expect(ports.ups).toEqual([{ peer: 'p', link: { neighbour: true, initiator: false, transport: 'memory' } }])
    expect(layer.count()).toBe(1)
    expect(layer.has('p')).toBe(true)
    expect(ctx.errors).toEqual([])
  })

  it('a transient Hello gets a Welcome that does not accept it as a neighbour', () => {
    const connection = accepted('p', JoinPriority.Transient)
    expect(connection.take()).toMatchObject([{ type: FrameType.Welcome, accepted: false }])
    expect(ports.ups).toEqual([{ peer: 'p', link: { neighbour: false, initiator: false, transport: 'memory' } }])
  })

  it('counts what it sends and receives', () => {
    const connection = new RecordingConnection('p')
    layer.accept(connection)
    const helloBytes = encodeFrame(hello('p'))
    connection.deliverBytes(helloBytes)
    const welcomeBytes = connection.sent[0]?.byteLength ?? 0
    expect(welcomeBytes).toBeGreaterThan(0)
    expect(ctx.stats).toMatchObject({ framesReceived: 1, bytesReceived: helloBytes.byteLength, framesSent: 1, bytesSent: welcomeBytes })
  })
})

describe('an open session', () => {
  it('sends frames with an empty room (it is implied) and dispatches inbound frames', () => {
    const connection = accepted('p')
    connection.take()
    layer.send('p', { type: FrameType.Ping, room: 'r', nonce: 7 })
    layer.sendMany(['p', 'nobody'], { type: FrameType.Pong, room: 'r', nonce: 8 })
    expect(connection.take()).toEqual([
      { type: FrameType.Ping, room: '', nonce: 7 },
      { type: FrameType.Pong, room: '', nonce: 8 },
    ])
    connection.deliver({ type: FrameType.Ping, room: '', nonce: 1 })
    connection.deliver({ type: FrameType.Pong, room: 'r', nonce: 2 })
    expect(ports.frames).toEqual([
      { peer: 'p', frame: { type: FrameType.Ping, room: '', nonce: 1 } },
      { peer: 'p', frame: { type: FrameType.Pong, room: 'r', nonce: 2 } },
    ])
  })

  it('sends nothing to a peer without an open session', () => {
    const connection = new RecordingConnection('p')
    layer.accept(connection)
    layer.send('p', { type: FrameType.Ping, room: 'r', nonce: 7 })
    expect(connection.sent).toEqual([])
    expect(ctx.stats.framesSent).toBe(0)
  })

  it('rejects a frame for another room, and keeps the session', () => {
    const connection = accepted('p')
    connection.take()
    connection.deliver({ type: FrameType.Ping, room: 'elsewhere', nonce: 1 })
    expect(ctx.stats.framesRejected).toBe(1)
    expect(ctx.errorNames()).toEqual(['ProtocolError'])
    expect(ctx.errors[0]?.peer).toBe('p')
    expect(ports.frames).toEqual([])
    expect(connection.closed).toBe(false)
  })

  it('rejects undecodable bytes and reports them', () => {
    const connection = accepted('p')
    connection.deliverBytes(new Uint8Array([0xff, 0xff, 0xff]))
    expect(ctx.stats).toMatchObject({ framesReceived: 2, framesRejected: 1 })
    expect(ctx.errorNames()).toEqual(['ProtocolError'])
    expect(ports.frames).toEqual([])
  })

  it('a second Hello on it is reported and ignored', () => {
    const connection = accepted('p')
    connection.take()
    connection.deliver(hello('p'))
    expect(ctx.errorNames()).toEqual(['ProtocolError'])
    expect(connection.take()).toEqual([])
    expect(ports.ups).toHaveLength(1)
  })

  it('a received Disconnect takes it down with the code and the peers it suggests', () => {
    const connection = accepted('p')
    connection.deliver({ type: FrameType.Disconnect, room: '', code: CloseCode.Leaving, peers: ['q', 'r2'] })
    expect(ports.downs).toEqual([{ peer: 'p', info: { wasUp: true, cause: 'disconnect', code: CloseCode.Leaving, peers: ['q', 'r2'], transport: 'memory' } }])
    expect(connection.closed).toBe(true)
    expect(connection.listeners('message')).toBe(0)
    expect(layer.has('p')).toBe(false)
  })

  it('a closed connection takes it down as lost', () => {
    const connection = accepted('p')
    connection.drop()
    expect(ports.downs).toEqual([{ peer: 'p', info: { wasUp: true, cause: 'lost', peers: [], transport: 'memory' } }])
    expect(layer.count()).toBe(0)
  })

  it('close() says why, suggests peers, and takes it down as closed', () => {
    const connection = accepted('p')
    connection.take()
    layer.close('p', CloseCode.Evicted, ['q'])
    // On an open link the goodbye goes three times (nothing acknowledges it: a lost one would look like a crash).
    expect(connection.take()).toEqual(Array(3).fill({ type: FrameType.Disconnect, room: '', code: CloseCode.Evicted, peers: ['q'] }))
    expect(connection.closed).toBe(true)
    expect(ports.downs).toEqual([{ peer: 'p', info: { wasUp: true, cause: 'closed', peers: [], transport: 'memory' } }])
  })
})

describe('refusing a Hello', () => {
  it('from a build before version 4 (versions 2 to 3): Reject VersionMismatch with our range 4 to 4', () => {
    const connection = new RecordingConnection('p')
    layer.accept(connection)
    connection.deliver(hello('p', { versionMin: 2, versionMax: 3 }))
    expect(connection.take()).toEqual([
      { type: FrameType.Reject, room: 'r', code: CloseCode.VersionMismatch, reason: 'no common protocol version', versionMin: 4, versionMax: 4 },
    ])
    expect(ctx.errorNames()).toEqual(['VersionMismatchError'])
    expect(ports.ups).toEqual([])
  })

  it('with no common version: Reject with our range, VersionMismatchError, closed before it was up', () => {
    const connection = new RecordingConnection('p')
    layer.accept(connection)
    connection.deliver(hello('p', { versionMin: VERSIONS.max + 1, versionMax: VERSIONS.max + 2 }))
    expect(connection.take()).toEqual([
      { type: FrameType.Reject, room: 'r', code: CloseCode.VersionMismatch, reason: 'no common protocol version', versionMin: VERSIONS.min, versionMax: VERSIONS.max },
    ])
    expect(ctx.errorNames()).toEqual(['VersionMismatchError'])
    expect(connection.closed).toBe(true)
    expect(ports.downs).toEqual([{ peer: 'p', info: { wasUp: false, cause: 'closed', peers: [], transport: 'memory' } }])
    expect(ports.ups).toEqual([])
    expect(ports.joins).toEqual([])
  })

  it('that claims another peer id: Reject ProtocolViolation', () => {
    const connection = new RecordingConnection('p')
    layer.accept(connection)
    connection.deliver(hello('mallory'))
    expect(connection.take()).toMatchObject([{ type: FrameType.Reject, code: CloseCode.ProtocolViolation }])
    expect(ctx.errorNames()).toEqual(['ProtocolError'])
    expect(connection.closed).toBe(true)
    expect(ports.ups).toEqual([])
  })

  it('when the room refuses the join: Disconnect Full with other peers to try, then close', () => {
    ports.decide = () => ({ accept: false, code: CloseCode.Full, peers: ['q1', 'q2', 'm'] })
    const connection = new RecordingConnection('p')
    layer.accept(connection)
    connection.deliver(hello('p'))
    expect(connection.take()).toEqual([{ type: FrameType.Disconnect, room: 'r', code: CloseCode.Full, peers: ['q1', 'q2', 'm'] }])
    expect(connection.closed).toBe(true)
    expect(ports.learned).toHaveLength(1)
    expect(ports.downs).toEqual([{ peer: 'p', info: { wasUp: false, cause: 'closed', peers: [], transport: 'memory' } }])
    expect(ports.ups).toEqual([])
  })

  it('for another room: rejected, reported, closed with UnknownRoom', () => {
    const connection = new RecordingConnection('p')
    layer.accept(connection)
    connection.deliver(hello('p', { room: 'other' }))
    expect(connection.take()).toEqual([{ type: FrameType.Disconnect, room: 'r', code: CloseCode.UnknownRoom, peers: [] }])
    expect(ctx.stats.framesRejected).toBe(1)
    expect(ctx.errorNames()).toEqual(['ProtocolError'])
    expect(connection.closed).toBe(true)
    expect(ports.joins).toEqual([])
  })
})

describe('before the handshake', () => {
  it('any other frame is a protocol violation: reported, Disconnect, closed', () => {
    const connection = new RecordingConnection('p')
    layer.accept(connection)
    connection.deliver({ type: FrameType.Ping, room: '', nonce: 1 })
    expect(ctx.errorNames()).toEqual(['ProtocolError'])
    // Three times: the sender holds the link open (a lost Welcome), and a lost goodbye would look like a crash to it.
    expect(connection.take()).toEqual(Array(3).fill({ type: FrameType.Disconnect, room: 'r', code: CloseCode.ProtocolViolation, peers: [] }))
    expect(connection.closed).toBe(true)
    expect(ports.frames).toEqual([])
    expect(ports.downs).toMatchObject([{ peer: 'p', info: { wasUp: false, cause: 'closed' } }])
  })

  it('a Welcome on a connection we did not dial is reported and ignored', () => {
    const connection = new RecordingConnection('p')
    layer.accept(connection)
    connection.deliver({ type: FrameType.Welcome, room: 'r', peerId: 'p', version: VERSIONS.max, accepted: true, peers: [] })
    expect(ctx.errorNames()).toEqual(['ProtocolError'])
    expect(ports.ups).toEqual([])
    expect(connection.closed).toBe(false)
  })

  it('a silent connection times out on the virtual clock: Disconnect Timeout', async () => {
    const connection = new RecordingConnection('p')
    layer.accept(connection)
    await ctx.clock.advance(HANDSHAKE_MS - 1)
    expect(connection.closed).toBe(false)
    await ctx.clock.advance(1)
    expect(connection.take()).toEqual([{ type: FrameType.Disconnect, room: 'r', code: CloseCode.Timeout, peers: [] }])
    expect(connection.closed).toBe(true)
    expect(ports.downs).toEqual([{ peer: 'p', info: { wasUp: false, cause: 'closed', peers: [], transport: 'memory' } }])
  })

  it('a completed handshake cancels the deadline', async () => {
    const connection = accepted('p')
    connection.take()
    await ctx.clock.advance(10 * HANDSHAKE_MS)
    expect(connection.take()).toEqual([])
    expect(connection.closed).toBe(false)
  })

  it('a second connection from a peer with an open session times out alone', async () => {
    const open = accepted('p')
    open.take()
    layer.accept(new RecordingConnection('p'))
    await ctx.clock.advance(HANDSHAKE_MS)
    expect(ports.downs).toEqual([{ peer: 'p', info: { wasUp: false, cause: 'closed', peers: [], transport: 'memory' } }])
    layer.send('p', { type: FrameType.Ping, room: 'r', nonce: 1 })
    expect(open.take()).toEqual([{ type: FrameType.Ping, room: '', nonce: 1 }])
  })

  it('a Disconnect ends it as a disconnect that was never up', () => {
    const connection = new RecordingConnection('p')
    layer.accept(connection)
    connection.deliver({ type: FrameType.Disconnect, room: 'r', code: CloseCode.Full, peers: ['q'] })
    expect(ports.downs).toEqual([{ peer: 'p', info: { wasUp: false, cause: 'disconnect', code: CloseCode.Full, peers: ['q'], transport: 'memory' } }])
  })
})

describe('closing', () => {
  it('closeAll tells every session the code and its own sample', () => {
    const first = accepted('p')
    const second = accepted('q')
    const pending = new RecordingConnection('h')
    layer.accept(pending)
    for (const c of [first, second]) c.take()
    layer.closeAll(CloseCode.Leaving, (peer) => [`for-${peer}`])
    const disconnect = (peers: string[], room: string): Frame => ({ type: FrameType.Disconnect, room, code: CloseCode.Leaving, peers })
    // Three copies on an open link, one on a link still in its handshake.
    expect(first.take()).toEqual(Array(3).fill(disconnect(['for-p'], '')))
    expect(second.take()).toEqual(Array(3).fill(disconnect(['for-q'], '')))
    expect(pending.take()).toEqual([disconnect(['for-h'], 'r')])
    expect([first, second, pending].every((c) => c.closed)).toBe(true)
    expect(ports.downs.map((d) => [d.peer, d.info.wasUp])).toEqual([['p', true], ['q', true], ['h', false]])
    expect(layer.count()).toBe(0)
  })

  it('a connection accepted after the room closed is closed at once', () => {
    room.abort()
    const connection = new RecordingConnection('p')
    layer.accept(connection)
    expect(connection.closed).toBe(true)
    expect(layer.count()).toBe(0)
  })
})
