/**
 * Test doubles for driving one layer of the engine at a time: a recording
 * {@link LayerContext} (virtual clock, seeded randomness, zeroed stats, and lists of what the
 * layer sent, emitted and reported), recording ports, and for the session layer a recording
 * {@link Connection} and a {@link Transport} whose dials resolve or reject when the test says.
 *
 * Every frame a layer sends through the context is encoded with the real codec first, so a
 * layer that builds a frame peers would reject fails its test at once.
 */
import { Emitter, type Listener } from '../../src/emitter.js'
import type { LayerContext, LinkInfo } from '../../src/engine/context.js'
import type { RoomFrame } from '../../src/engine/dispatch.js'
import type { JoinDecision, SessionControl, SessionDown, SessionPorts } from '../../src/layers/session-ports.js'
import { decodeFrame, encodeFrame } from '../../src/protocol/codec.js'
import type { CloseCodeValue, Frame, FrameTypeTag, JoinPriorityValue } from '../../src/protocol/messages.js'
import { seededRandom, type RandomSource } from '../../src/random.js'
import type { RoomEvents, RoomStats } from '../../src/room-types.js'
import type { Connection, ConnectionEvents, DialOptions, PeerId, Transport, TransportEvents } from '../../src/transport.js'
import { VirtualClock } from '../../src/virtual-clock.js'

/** One frame sent to one peer. */
export interface Sent {
  peer: PeerId
  frame: Frame
}

/** A frame of the given type tag. */
export type FrameOf<T extends FrameTypeTag> = Extract<Frame, { type: T }>

/** Counters all at zero. */
export function zeroStats(): RoomStats {
  return {
    framesSent: 0,
    bytesSent: 0,
    framesReceived: 0,
    bytesReceived: 0,
    deltasReceived: 0,
    duplicateDeltas: 0,
    payloadsReceived: 0,
    framesRejected: 0,
    antiEntropyRounds: 0,
    prunesSent: 0,
    graftsSent: 0,
  }
}

/**
 * Randomness for tests: values queued with {@link ScriptedRandom.queue} come first (to take
 * one branch of a coin flip on purpose), then a seeded generator.
 */
export class ScriptedRandom implements RandomSource {
  readonly #queued: number[] = []
  readonly #seeded: RandomSource

  constructor(seed: number) {
    this.#seeded = seededRandom(seed)
  }

  queue(...values: number[]): void {
    this.#queued.push(...values)
  }

  next(): number {
    return this.#queued.shift() ?? this.#seeded.next()
  }
}

/** A {@link LayerContext} that records every action. */
export class RecordingContext implements LayerContext {
  readonly room: string
  readonly peerId: PeerId
  readonly clock = new VirtualClock()
  readonly random: ScriptedRandom
  readonly stats = zeroStats()
  /** Every frame sent, one entry per peer (a `sendMany` adds one per target). */
  readonly sent: Sent[] = []
  /** The target lists of every `sendMany` call: one encoding each. */
  readonly batches: { peers: PeerId[]; frame: Frame }[] = []
  readonly emitted: { event: keyof RoomEvents; payload: unknown }[] = []
  readonly errors: { error: Error; peer: PeerId | undefined }[] = []

  constructor(init: { peerId?: PeerId; room?: string; seed?: number } = {}) {
    this.peerId = init.peerId ?? 'me'
    this.room = init.room ?? 'r'
    this.random = new ScriptedRandom(init.seed ?? 1)
  }

  send(peer: PeerId, frame: Frame): void {
    encodeFrame(frame)
    this.sent.push({ peer, frame })
  }

  sendMany(peers: readonly PeerId[], frame: Frame): void {
    encodeFrame(frame)
    this.batches.push({ peers: [...peers], frame })
    for (const peer of peers) this.sent.push({ peer, frame })
  }

  emit<K extends keyof RoomEvents & string>(event: K, payload: RoomEvents[K]): void {
    this.emitted.push({ event, payload })
  }

  report(error: Error, peer?: PeerId): void {
    this.errors.push({ error, peer })
  }

  /** Drains and returns everything sent so far. */
  take(): Sent[] {
    this.batches.length = 0
    return this.sent.splice(0)
  }

  /** Drains everything sent and returns the frames of one type, with their peers. */
  takeOf<T extends FrameTypeTag>(type: T): { peer: PeerId; frame: FrameOf<T> }[] {
    return this.take().filter((s): s is { peer: PeerId; frame: FrameOf<T> } => s.frame.type === type)
  }

  /** Names of the errors reported so far. */
  errorNames(): string[] {
    return this.errors.map((e) => e.error.name)
  }
}

/** {@link SessionPorts} that record every call and answer joins with `decide`. */
export class RecordingSessionPorts implements SessionPorts {
  readonly learned: { peers: PeerId[]; transport: string }[] = []
  readonly joins: { peer: PeerId; priority: JoinPriorityValue }[] = []
  readonly samples: PeerId[] = []
  readonly ups: { peer: PeerId; link: LinkInfo }[] = []
  readonly downs: { peer: PeerId; info: SessionDown }[] = []
  readonly frames: { peer: PeerId; frame: RoomFrame }[] = []
  decide: (peer: PeerId, priority: JoinPriorityValue) => JoinDecision = () => ({ accept: true })
  /** What `sample` answers. */
  shared: PeerId[] = ['s1', 's2']

  learn(peers: readonly PeerId[], transport: string): void {
    this.learned.push({ peers: [...peers], transport })
  }

  join(peer: PeerId, priority: JoinPriorityValue): JoinDecision {
    this.joins.push({ peer, priority })
    return this.decide(peer, priority)
  }

  sample(peer: PeerId): PeerId[] {
    this.samples.push(peer)
    return [...this.shared]
  }

  up(peer: PeerId, link: LinkInfo): void {
    this.ups.push({ peer, link })
  }

  down(peer: PeerId, info: SessionDown): void {
    this.downs.push({ peer, info })
  }

  frame(peer: PeerId, frame: RoomFrame): void {
    this.frames.push({ peer, frame })
  }
}

/** One dial the overlay asked for. */
export interface DialCall {
  peer: PeerId
  transport: string | undefined
  priority: JoinPriorityValue
  onFailure: (error: unknown) => void
}

/**
 * A {@link SessionControl} that records dials and closes. It keeps the peers with a session
 * (`link()` adds one, `close()` removes it, as the session layer would) and the dials in
 * flight (`fail()` ends one through its failure callback).
 */
export class RecordingSessionControl implements SessionControl {
  readonly sessions = new Set<PeerId>()
  readonly inFlight = new Map<PeerId, DialCall>()
  readonly dials: DialCall[] = []
  readonly closes: { peer: PeerId; code: CloseCodeValue | undefined; peers: PeerId[] | undefined }[] = []
  readonly closeAlls: { code: CloseCodeValue; samples: Map<PeerId, PeerId[]> }[] = []

  count(): number {
    return this.sessions.size + this.inFlight.size
  }

  has(peer: PeerId): boolean {
    return this.sessions.has(peer) || this.inFlight.has(peer)
  }

  peers(): PeerId[] {
    return [...this.inFlight.keys(), ...this.sessions]
  }

  dial(peer: PeerId, transport: string | undefined, priority: JoinPriorityValue, onFailure: (error: unknown) => void): void {
    const call = { peer, transport, priority, onFailure }
    this.inFlight.set(peer, call)
    this.dials.push(call)
  }

  close(peer: PeerId, code?: CloseCodeValue, peers?: PeerId[]): void {
    this.closes.push({ peer, code, peers })
    this.sessions.delete(peer)
  }

  closeAll(code: CloseCodeValue, sampleFor: (peer: PeerId) => PeerId[]): void {
    const samples = new Map<PeerId, PeerId[]>()
    for (const peer of this.sessions) samples.set(peer, sampleFor(peer))
    this.closeAlls.push({ code, samples })
    this.sessions.clear()
  }

  /** The dial to `peer` failed with `error`. */
  fail(peer: PeerId, error: unknown): void {
    const call = this.inFlight.get(peer)
    if (call === undefined) throw new Error(`no dial to ${peer} in flight`)
    this.inFlight.delete(peer)
    call.onFailure(error)
  }

  /** Drains the dials recorded so far, as `peer:priority` strings. */
  takeDials(): string[] {
    return this.dials.splice(0).map((d) => `${d.peer}:${d.priority}`)
  }
}

/**
 * A {@link Connection} test double: it records the bytes sent on it and lets the test
 * deliver frames, raw bytes or a remote close.
 */
export class RecordingConnection implements Connection {
  readonly remotePeerId: PeerId
  readonly transport: string
  readonly sent: Uint8Array[] = []
  closed = false
  closeReason: string | undefined
  readonly #events = new Emitter<ConnectionEvents>((error) => {
    throw error
  })

  constructor(remotePeerId: PeerId, transport = 'memory') {
    this.remotePeerId = remotePeerId
    this.transport = transport
  }

  on<K extends keyof ConnectionEvents & string>(event: K, listener: Listener<ConnectionEvents[K]>): () => void {
    return this.#events.on(event, listener)
  }

  once<K extends keyof ConnectionEvents & string>(event: K, listener: Listener<ConnectionEvents[K]>): () => void {
    return this.#events.once(event, listener)
  }

  off<K extends keyof ConnectionEvents & string>(event: K, listener: Listener<ConnectionEvents[K]>): void {
    this.#events.off(event, listener)
  }

  /** Listeners of `event` (0 once the session let go of the connection). */
  listeners(event: keyof ConnectionEvents & string): number {
    return this.#events.listenerCount(event)
  }

  send(data: Uint8Array): void {
    if (!this.closed) this.sent.push(data.slice())
  }

  close(reason?: string): void {
    if (this.closed) return
    this.closed = true
    this.closeReason = reason
    this.#events.emit('close', reason === undefined ? {} : { reason })
  }

  /** The remote peer sent `frame`. */
  deliver(frame: Frame): void {
    this.deliverBytes(encodeFrame(frame))
  }

  deliverBytes(data: Uint8Array): void {
    this.#events.emit('message', { data })
  }

  /** The remote end went away. */
  drop(): void {
    this.close('remote closed')
  }

  /** Drains the frames sent so far, decoded with the real codec. */
  take(): Frame[] {
    return this.sent.splice(0).map((bytes) => decodeFrame(bytes))
  }
}

/** A {@link Transport} whose dials stay pending until the test resolves or rejects them. */
export class ScriptedTransport implements Transport {
  readonly name: string
  readonly dials: { peer: PeerId; options: DialOptions | undefined }[] = []
  readonly #pending = new Map<PeerId, { resolve: (c: Connection) => void; reject: (e: unknown) => void }>()
  readonly #events = new Emitter<TransportEvents>()

  constructor(name = 'memory') {
    this.name = name
  }

  on<K extends keyof TransportEvents & string>(event: K, listener: Listener<TransportEvents[K]>): () => void {
    return this.#events.on(event, listener)
  }

  once<K extends keyof TransportEvents & string>(event: K, listener: Listener<TransportEvents[K]>): () => void {
    return this.#events.once(event, listener)
  }

  off<K extends keyof TransportEvents & string>(event: K, listener: Listener<TransportEvents[K]>): void {
    this.#events.off(event, listener)
  }

  start(): Promise<void> {
    return Promise.resolve()
  }

  join(): void {}

  leave(): void {}

  stop(): Promise<void> {
    return Promise.resolve()
  }

  dial(peer: PeerId, options?: DialOptions): Promise<Connection> {
    this.dials.push({ peer, options })
    return new Promise((resolve, reject) => this.#pending.set(peer, { resolve, reject }))
  }

  /** Completes the pending dial to `peer` with a new recording connection. */
  resolve(peer: PeerId): RecordingConnection {
    const connection = new RecordingConnection(peer, this.name)
    this.#take(peer).resolve(connection)
    return connection
  }

  reject(peer: PeerId, error: unknown): void {
    this.#take(peer).reject(error)
  }

  #take(peer: PeerId): { resolve: (c: Connection) => void; reject: (e: unknown) => void } {
    const pending = this.#pending.get(peer)
    if (pending === undefined) throw new Error(`no dial to ${peer} pending`)
    this.#pending.delete(peer)
    return pending
  }
}
