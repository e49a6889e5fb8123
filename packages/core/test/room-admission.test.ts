/**
 * Dial refusals and the room's views: a peer that refuses a dial because its active view is
 * full ({@link PeerFullError}) is reachable, so it stays a passive candidate (still listed by
 * `room.knownPeers()`), costs no 'error' event, and is redialed while the room is below
 * `minNeighbours`; a later redial asks for room (`DialOptions.urgent`, JoinPriority.High),
 * one dial per round at most. A plain {@link TransportError} is a failure: the peer leaves
 * the passive view for the failed list and is not redialed from it every round.
 *
 * The room's only transport is a hand-written fake: it announces a few peers for the room's
 * topic and rejects every dial, recording the options it got. Time is a manual virtual clock
 * (core cannot depend on `@gossamer/testing`): rounds run only when the test advances it.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  AbortError,
  createRoom,
  Emitter,
  PeerFullError,
  seededRandom,
  TransportError,
  type Connection,
  type DialOptions,
  type ErrorEvent,
  type Listener,
  type PeerId,
  type Room,
  type Transport,
  type TransportEvents,
  type TransportStartOptions,
} from '../src/index.js'

import { VirtualClock } from '../src/index.js'

/** One call of {@link FakeTransport.dial}. */
interface DialRecord {
  peerId: PeerId
  urgent: boolean | undefined
  options: DialOptions | undefined
}

/** What the fake does with a dial: refuse it with this error, or never answer ('hang'). */
type DialOutcome = Error | 'hang'

/**
 * A transport that announces its peers for every topic joined, in order, and answers every
 * dial with `outcome(peerId)`. A hanging dial settles only when the room aborts it.
 */
class FakeTransport implements Transport {
  readonly name = 'fake'
  readonly dials: DialRecord[] = []
  readonly joined: string[] = []
  started = 0
  stopped = 0
  readonly #events = new Emitter<TransportEvents>()
  readonly #peers: readonly PeerId[]
  readonly #outcome: (peerId: PeerId) => DialOutcome

  constructor(peers: readonly PeerId[], outcome: (peerId: PeerId) => DialOutcome) {
    this.#peers = peers
    this.#outcome = outcome
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

  start(_options: TransportStartOptions): Promise<void> {
    this.started++
    return Promise.resolve()
  }

  join(topic: string): void {
    this.joined.push(topic)
    for (const peerId of this.#peers) this.#events.emit('peer:discover', { peerId, topic })
  }

  leave(_topic: string): void {}

  dial(peerId: PeerId, options?: DialOptions): Promise<Connection> {
    this.dials.push({ peerId, urgent: options?.urgent, options })
    const outcome = this.#outcome(peerId)
    if (outcome !== 'hang') return Promise.reject(outcome)
    return new Promise<Connection>((_resolve, reject) => {
      options?.signal?.addEventListener('abort', () => reject(new AbortError()), { once: true })
    })
  }

  stop(): Promise<void> {
    this.stopped++
    return Promise.resolve()
  }

  /** Dials recorded from index `from` on. */
  dialsSince(from: number): DialRecord[] {
    return this.dials.slice(from)
  }
}

const ROUND_MS = 100
/**
 * Most rounds below the minimum before a dial asks for room: `STARVING_ROUNDS` in
 * `membership.ts` (not exported; 5 when this was written). The tests hold for any engine
 * value from 1 up to this one.
 */
const STARVING_ROUNDS = 5
const PEERS = ['peer-a', 'peer-b', 'peer-c'] as const
const sorted = (ids: readonly PeerId[]): PeerId[] => [...ids].sort()
const full = (peerId: PeerId): Error => new PeerFullError(`${peerId} is full`)
const unreachable = (peerId: PeerId): Error => new TransportError(`${peerId} is unreachable`)

interface Setup {
  room: Room
  clock: VirtualClock
  transport: FakeTransport
  errors: ErrorEvent[]
}

const rooms: Room[] = []

afterEach(async () => {
  await Promise.all(rooms.splice(0).map((r) => r.close()))
})

/**
 * A room (3 to 4 neighbours) whose only transport is a fake announcing `peers`, started
 * and past discovery: every announced peer has been dialed once and answered.
 */
async function setup(peers: readonly PeerId[], outcome: (peerId: PeerId) => DialOutcome): Promise<Setup> {
  const clock = new VirtualClock()
  const transport = new FakeTransport(peers, outcome)
  const room = createRoom({
    name: 'admission',
    peerId: 'self',
    doc: new Y.Doc(),
    transports: [transport],
    clock,
    random: seededRandom(7),
    roundMs: ROUND_MS,
    maxNeighbours: 4,
    minNeighbours: 3,
  })
  rooms.push(room)
  const errors: ErrorEvent[] = []
  room.on('error', (e) => errors.push(e))
  // Starting is asynchronous (load, transport start, join), but takes no virtual time.
  await room.whenLoaded()
  await clock.advance(0)
  return { room, clock, transport, errors }
}

/** Advances one round and returns the dials it made. */
async function round(s: Setup): Promise<DialRecord[]> {
  const before = s.transport.dials.length
  await s.clock.advance(ROUND_MS)
  return s.transport.dialsSince(before)
}

describe('room admission: dials refused as full', () => {
  it('joins the room topic and dials every announced peer once, the first (no link yet) with urgent', async () => {
    const { transport, errors } = await setup(PEERS, full)
    expect(transport.started).toBe(1)
    expect(transport.joined).toEqual(['admission'])
    expect(transport.dials.map((d) => d.peerId)).toEqual([...PEERS])
    // The first dial finds the view empty: it asks for room. (Whether a later one of this
    // burst does depends on how many rounds of starving the engine tolerates.)
    expect(transport.dials[0]?.urgent).toBe(true)
    for (const dial of transport.dials) expect(typeof dial.urgent).toBe('boolean')
    for (const dial of transport.dials) expect(dial.options?.signal).toBeInstanceOf(AbortSignal)
    expect(errors).toEqual([])
  })

  it('keeps refused peers in knownPeers(), redials them every round, and reports no error', async () => {
    const s = await setup(PEERS, full)
    expect(sorted(s.room.knownPeers())).toEqual(sorted(PEERS))
    for (let r = 1; r <= 5; r++) {
      const dials = await round(s)
      // Still candidates, so the view (below its minimum of 3) redials each of them.
      expect(sorted(dials.map((d) => d.peerId)), `round ${r}`).toEqual(sorted(PEERS))
      expect(sorted(s.room.knownPeers()), `round ${r}`).toEqual(sorted(PEERS))
    }
    expect(s.room.neighbours()).toEqual([])
    expect(s.errors).toEqual([])
  })

  it('after refusals below minNeighbours, a later redial of a refused peer asks for room (urgent: true)', async () => {
    // peer-slow's dial never answers: it holds a slot, so the view is never empty and the
    // "no link at all" rule cannot be what makes a dial urgent.
    const s = await setup(['peer-slow', 'peer-a', 'peer-b'], (peerId) => (peerId === 'peer-slow' ? 'hang' : full(peerId)))
    expect(s.transport.dials.map((d) => d.peerId)).toEqual(['peer-slow', 'peer-a', 'peer-b'])
    expect(s.transport.dials[0]?.urgent).toBe(true)
    // Both refused as full while 1 of 3 slots was in use. Within STARVING_ROUNDS rounds
    // below the minimum, a redial of one of them carries urgent (JoinPriority.High).
    const later: DialRecord[] = []
    for (let r = 1; r <= STARVING_ROUNDS; r++) later.push(...(await round(s)))
    expect(later.length).toBe(2 * STARVING_ROUNDS)
    expect(later.every((d) => d.peerId === 'peer-a' || d.peerId === 'peer-b')).toBe(true)
    expect(later.filter((d) => d.urgent === true).length).toBeGreaterThanOrEqual(1)
    expect(sorted(s.room.knownPeers())).toEqual(['peer-a', 'peer-b', 'peer-slow'])
    expect(s.errors).toEqual([])
  })

  it('keeps asking for room one dial per round at most, never STARVING_ROUNDS rounds in a row without', async () => {
    const s = await setup(['peer-slow', 'peer-a', 'peer-b'], (peerId) => (peerId === 'peer-slow' ? 'hang' : full(peerId)))
    const urgentRounds: number[] = []
    for (let r = 1; r <= 12; r++) {
      const dials = await round(s)
      expect(dials, `round ${r}`).toHaveLength(2)
      const urgent = dials.filter((d) => d.urgent === true).length
      // One at a time: each urgent dial may cost a full peer a neighbour (no eviction cascade).
      expect(urgent, `round ${r}`).toBeLessThanOrEqual(1)
      if (urgent > 0) urgentRounds.push(r)
    }
    expect(urgentRounds.length).toBeGreaterThanOrEqual(2)
    for (const [i, r] of urgentRounds.entries()) expect(r - (urgentRounds[i - 1] ?? 0), `round ${r}`).toBeLessThanOrEqual(STARVING_ROUNDS)
    expect(12 - (urgentRounds.at(-1) ?? 0)).toBeLessThan(STARVING_ROUNDS)
    // peer-slow is dialing the whole time: it is never dialed twice.
    expect(s.transport.dials.filter((d) => d.peerId === 'peer-slow')).toHaveLength(1)
    expect(s.errors).toEqual([])
  })

  it('with no link at all, the first dial of every round asks for room and the others do not', async () => {
    const s = await setup(PEERS, full)
    for (let r = 1; r <= 4; r++) {
      const dials = await round(s)
      expect(dials.map((d) => d.urgent), `round ${r}`).toEqual([true, false, false])
    }
    expect(s.errors).toEqual([])
  })

  it('a plain TransportError moves the peer to the failed list: it leaves knownPeers(), still without an error event', async () => {
    const s = await setup(PEERS, unreachable)
    expect(s.transport.dials).toHaveLength(PEERS.length)
    expect(s.room.knownPeers()).toEqual([])
    for (let r = 1; r <= 5; r++) {
      const dials = await round(s)
      // Failed peers are no maintenance candidates: at most the periodic redial of one lost peer.
      expect(dials.length, `round ${r}`).toBeLessThanOrEqual(1)
      expect(s.room.knownPeers(), `round ${r}`).toEqual([])
    }
    expect(s.room.neighbours()).toEqual([])
    // A TransportError is an expected dial outcome: no error event.
    expect(s.errors).toEqual([])
  })

  it('stops the transport and dials no more once closed', async () => {
    const s = await setup(['peer-slow', ...PEERS], (peerId) => (peerId === 'peer-slow' ? 'hang' : full(peerId)))
    await round(s)
    await s.room.close()
    expect(s.room.closed).toBe(true)
    expect(s.transport.stopped).toBe(1)
    const before = s.transport.dials.length
    for (let r = 0; r < 3; r++) await s.clock.advance(ROUND_MS)
    expect(s.transport.dials).toHaveLength(before)
    // The aborted hanging dial is not reported either.
    expect(s.errors).toEqual([])
  })
})
