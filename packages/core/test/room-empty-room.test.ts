/**
 * The empty room name on established links. Once the handshake is done a link belongs to
 * one room, so frames on it may (and the room's own frames do) carry the room `''`, meaning
 * "this link's room"; the handshake frames (Hello, Welcome, Reject) must name the room, and
 * the codec refuses `''` there.
 *
 * A raw peer (the pattern of `room.test.ts`'s helper, plus the raw bytes it receives) speaks
 * frames by hand to a room over the memory transport. Room and network share a manual
 * virtual clock that is only ever advanced by 0 ms: that delivers what is due now and runs
 * no round, so everything the room sends is an answer to the raw peer.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  CloseCode,
  createRoom,
  decodeFrame,
  encodeFrame,
  FrameType,
  hash53,
  JoinPriority,
  memoryNetwork,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  tryDecodeFrame,
  type Connection,
  type ErrorEvent,
  type Frame,
  type HelloFrame,
  type MemoryNetwork,
  type Room,
} from '../src/index.js'

const ROOM = 'empty-room-test'
const ROOM_BYTES = new TextEncoder().encode(ROOM)

import { VirtualClock } from '../src/index.js'

/** Whether `needle` occurs as a contiguous run of bytes in `haystack`. */
function containsBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer
    return true
  }
  return false
}

/** What the room sent the raw peer: the bytes as they arrived, and their decoding. */
interface Received {
  bytes: Uint8Array
  frame: Frame
}

/** A raw peer on the memory network that speaks frames by hand (after room.test.ts's `rawPeer`). */
async function rawPeer(network: MemoryNetwork, clock: VirtualClock, target: string, peerId = 'raw-peer') {
  const transport = network.transport()
  // The room may learn our id and dial back: a raw peer accepts nothing.
  transport.on('connection:open', ({ connection }) => connection.close('a raw peer accepts nothing'))
  const controller = new AbortController()
  await transport.start({ peerId, signal: controller.signal })
  const dialing = transport.dial(target)
  await clock.advance(0)
  const connection: Connection = await dialing
  const received: Received[] = []
  const undecodable: string[] = []
  let closed = false
  connection.on('message', ({ data }) => {
    const bytes = data.slice()
    const result = tryDecodeFrame(bytes, target)
    if (result.ok) received.push({ bytes, frame: result.frame })
    else undecodable.push(result.error.message)
  })
  connection.on('close', () => (closed = true))
  const hello = (over: Partial<HelloFrame> = {}): HelloFrame => ({
    type: FrameType.Hello,
    room: ROOM,
    peerId,
    versionMin: MIN_PROTOCOL_VERSION,
    versionMax: PROTOCOL_VERSION,
    priority: JoinPriority.Low,
    peers: [],
    ...over,
  })
  return {
    connection,
    received,
    undecodable,
    get closed() {
      return closed
    },
    hello,
    /** Frames received of type `type`. */
    of<T extends Frame['type']>(type: T): Extract<Frame, { type: T }>[] {
      return received.map((r) => r.frame).filter((f): f is Extract<Frame, { type: T }> => f.type === type)
    },
    /** Sends raw bytes and lets the room handle them (and the network carry any answer). */
    async deliver(bytes: Uint8Array): Promise<void> {
      connection.send(bytes)
      await clock.advance(0)
    },
    /** Encodes and delivers a frame. */
    async send(frame: Frame): Promise<void> {
      connection.send(encodeFrame(frame))
      await clock.advance(0)
    },
    /** Says Hello and returns once the room's Welcome arrived. */
    async join(): Promise<void> {
      connection.send(encodeFrame(hello()))
      await clock.advance(0)
      if (!received.some((r) => r.frame.type === FrameType.Welcome)) throw new Error('the room did not welcome us')
    },
    stop: async (): Promise<void> => {
      controller.abort()
      await transport.stop()
    },
  }
}

interface Setup {
  clock: VirtualClock
  network: MemoryNetwork
  room: Room
  errors: ErrorEvent[]
  joins: string[]
}

const cleanups: (() => Promise<void>)[] = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function setup(): Promise<Setup> {
  const clock = new VirtualClock()
  const network = memoryNetwork({ clock })
  const room = createRoom({ name: ROOM, peerId: 'the-room', doc: new Y.Doc(), transports: [network.transport()], clock, roundMs: 1000 })
  cleanups.push(() => room.close())
  const errors: ErrorEvent[] = []
  const joins: string[] = []
  room.on('error', (e) => errors.push(e))
  room.on('peer:join', ({ peerId }) => joins.push(peerId))
  await room.whenLoaded()
  await clock.advance(0)
  expect(network.peers()).toContain('the-room')
  return { clock, network, room, errors, joins }
}

async function connect(s: Setup, peerId?: string): Promise<Awaited<ReturnType<typeof rawPeer>>> {
  const raw = await rawPeer(s.network, s.clock, s.room.peerId, peerId)
  cleanups.push(() => raw.stop())
  return raw
}

describe('the empty room on established links', () => {
  it('answers a Ping whose room is "" with a Pong: "" is the room of the link', async () => {
    const s = await setup()
    const raw = await connect(s)
    await raw.join()
    expect(s.joins).toEqual(['raw-peer'])
    await raw.send({ type: FrameType.Ping, room: '', nonce: 4242 })
    expect(raw.of(FrameType.Pong).map((p) => p.nonce)).toEqual([4242])
    // The room's own name is answered just the same.
    await raw.send({ type: FrameType.Ping, room: ROOM, nonce: 4243 })
    expect(raw.of(FrameType.Pong).map((p) => p.nonce)).toEqual([4242, 4243])
    expect(s.errors).toEqual([])
    expect(s.room.stats().framesRejected).toBe(0)
    expect(raw.closed).toBe(false)
  })

  it('applies a gossip frame (Delta) whose room is "" to the document', async () => {
    const s = await setup()
    const raw = await connect(s)
    await raw.join()
    const source = new Y.Doc()
    source.getText('t').insert(0, 'via the empty room')
    const update = Y.encodeStateAsUpdate(source)
    await raw.send({ type: FrameType.Delta, room: '', id: hash53(update), hop: 0, origin: source.clientID, update })
    expect(s.room.doc.getText('t').toString()).toBe('via the empty room')
    expect(s.room.stats().deltasReceived).toBe(1)
    expect(s.errors).toEqual([])
  })

  it('still rejects a frame naming another room with an error event, and keeps the link', async () => {
    const s = await setup()
    const raw = await connect(s)
    await raw.join()
    await raw.send({ type: FrameType.Ping, room: 'some-other-room', nonce: 7 })
    expect(s.errors).toHaveLength(1)
    expect(s.errors[0]?.error.name).toBe('ProtocolError')
    expect(s.errors[0]?.error.message).toContain('some-other-room')
    expect(s.errors[0]?.peerId).toBe('raw-peer')
    expect(s.room.stats().framesRejected).toBe(1)
    expect(raw.of(FrameType.Pong)).toEqual([])
    // An established link is not dropped for it: the next Ping is answered.
    expect(raw.closed).toBe(false)
    await raw.send({ type: FrameType.Ping, room: '', nonce: 8 })
    expect(raw.of(FrameType.Pong).map((p) => p.nonce)).toEqual([8])
    expect(s.room.neighbours()).toEqual(['raw-peer'])
  })

  it('before the handshake, a first frame with room "" is an error and the link is closed', async () => {
    const s = await setup()
    const raw = await connect(s)
    await raw.send({ type: FrameType.Ping, room: '', nonce: 1 })
    expect(s.errors).toHaveLength(1)
    expect(s.errors[0]?.error.name).toBe('ProtocolError')
    expect(s.errors[0]?.error.message).toMatch(/before the handshake/)
    expect(s.errors[0]?.peerId).toBe('raw-peer')
    expect(raw.closed).toBe(true)
    expect(raw.of(FrameType.Pong)).toEqual([])
    expect(raw.of(FrameType.Welcome)).toEqual([])
    // The room says why, in a frame that (the link never being established) names the room;
    // three times, as the sender of a frame before the handshake may hold the link open.
    const disconnects = raw.of(FrameType.Disconnect)
    expect(disconnects.map((d) => [d.room, d.code])).toEqual(Array(3).fill([ROOM, CloseCode.ProtocolViolation]))
    expect(s.joins).toEqual([])
    expect(s.room.neighbours()).toEqual([])
    expect(raw.undecodable).toEqual([])
  })

  it('refuses a Hello whose room is "": the codec will not write it, and the room will not read it', async () => {
    const s = await setup()
    const raw = await connect(s)
    expect(() => encodeFrame(raw.hello({ room: '' }))).toThrow(expect.objectContaining({ name: 'ProtocolError' }))
    // The same Hello by hand: head = type tag, then the room as a varString (length, bytes).
    const named = encodeFrame(raw.hello())
    expect(named[1]).toBe(ROOM_BYTES.length)
    const unnamed = new Uint8Array([named[0] ?? 0, 0, ...named.subarray(2 + ROOM_BYTES.length)])
    expect(() => decodeFrame(unnamed)).toThrow(expect.objectContaining({ name: 'ProtocolError' }))
    await raw.deliver(unnamed)
    expect(s.errors.map((e) => e.error.name)).toEqual(['ProtocolError'])
    expect(s.room.stats().framesRejected).toBe(1)
    expect(raw.of(FrameType.Welcome)).toEqual([])
    expect(s.joins).toEqual([])
  })

  it('names the room in its Welcome, and sends "" (never the name) on the established link', async () => {
    const s = await setup()
    const raw = await connect(s)
    await raw.join()
    // Draw out more frames than the greeting: a Pong and a Peers reply.
    await raw.send({ type: FrameType.Ping, room: '', nonce: 99 })
    await raw.send({ type: FrameType.Peers, room: '', peers: ['someone'], reply: false })
    expect(raw.undecodable).toEqual([])
    const [welcome, ...after] = raw.received
    if (welcome === undefined) throw new Error('nothing received')
    expect(welcome.frame.type).toBe(FrameType.Welcome)
    expect(welcome.frame.room).toBe(ROOM)
    expect(decodeFrame(welcome.bytes).room).toBe(ROOM)
    expect(containsBytes(welcome.bytes, ROOM_BYTES)).toBe(true)
    const types = after.map((r) => r.frame.type)
    expect(types).toContain(FrameType.Pong)
    expect(types).toContain(FrameType.Peers)
    for (const { bytes, frame } of after) {
      expect(decodeFrame(bytes).room, `frame type ${frame.type}`).toBe('')
      expect(containsBytes(bytes, ROOM_BYTES), `frame type ${frame.type}`).toBe(false)
    }
    const reply = raw.of(FrameType.Peers)
    expect(reply).toHaveLength(1)
    expect(reply[0]?.reply).toBe(true)
    expect(s.errors).toEqual([])
  })
})
