/**
 * Test doubles for driving one layer of the engine at a time: a recording
 * {@link LayerContext} (virtual clock, seeded randomness, zeroed stats, and lists of what the
 * layer sent, emitted and reported) and recording ports. The session layer's connection and
 * transport doubles are in transport-doubles.ts.
 *
 * Every frame a layer sends through the context is encoded with the real codec first, so a
 * layer that builds a frame peers would reject fails its test at once.
 *
 * For the layers of a room with a secret, {@link testTrust} builds a real `RoomTrust` from a
 * fixed secret and a generated (or given) Ed25519 identity, and {@link until} waits for the
 * asynchronous outcome of a signature check.
 */
import { generateIdentity, type IdentityKeyPair } from '../../src/crypto/identity-keys.js'
import type { LayerContext, LinkInfo } from '../../src/engine/context.js'
import type { RoomFrame } from '../../src/engine/dispatch.js'
import type { JoinDecision, SessionControl, SessionDown, SessionPorts } from '../../src/engine/session-ports.js'
import { encodeFrame } from '../../src/protocol/codec.js'
import type { CloseCodeValue, Frame, FrameTypeTag, JoinPriorityValue } from '../../src/protocol/messages.js'
import { seededRandom, type RandomSource } from '../../src/random.js'
import type { RoomEvents } from '../../src/room-types.js'
import { zeroStats } from '../../src/room-stats.js'
import type { PeerId } from '../../src/transport.js'
import { createRoomTrust, type RoomTrust } from '../../src/trust/room-trust.js'
import { VirtualClock } from '../../src/virtual-clock.js'

/** One frame sent to one peer. */
export interface Sent {
  peer: PeerId
  frame: Frame
}

/** A frame of the given type tag. */
export type FrameOf<T extends FrameTypeTag> = Extract<Frame, { type: T }>

/** Counters all at zero (the room's own). */
export { zeroStats }

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

/** The fixed room secret of layer tests (32 bytes, base64url). */
export const TEST_SECRET = 'Z29zc2FtZXItbGF5ZXItdGVzdHMtcm9vbS1zZWNyZXQ'

/** Options of {@link testTrust}. */
export interface TestTrustInit {
  /** The room name (default `'r'`, the recording context's). */
  room?: string
  /** This peer's identity (default: a fresh one). */
  identity?: IdentityKeyPair
  /** The room's writers (default: everyone with the secret). */
  writers?: PeerId[]
}

/** A real {@link RoomTrust} of the fixed {@link TEST_SECRET}. */
export async function testTrust(init: TestTrustInit = {}): Promise<RoomTrust> {
  return createRoomTrust({
    room: init.room ?? 'r',
    secret: TEST_SECRET,
    identity: init.identity ?? (await generateIdentity()),
    ...(init.writers === undefined ? {} : { writers: init.writers }),
  })
}

/** A recording context running as `trust`'s peer (its key-derived peer id). */
export function trustedContext(trust: RoomTrust, init: { seed?: number } = {}): RecordingContext {
  return new RecordingContext({ peerId: trust.peerId, room: trust.keys.room, ...(init.seed === undefined ? {} : { seed: init.seed }) })
}

/**
 * Resolves once `predicate()` holds (checked now and after every turn of the event loop),
 * rejects when `signal` aborts first (default: a 5 s deadline). For outcomes of async work
 * such as signature checks, which no virtual clock drives.
 */
export function until(predicate: () => boolean, signal: AbortSignal = AbortSignal.timeout(5000)): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (predicate()) return resolve()
      if (signal.aborted) return reject(new Error('until: the condition did not hold before the deadline'))
      setImmediate(check)
    }
    check()
  })
}
