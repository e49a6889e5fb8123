/**
 * The deterministic network simulator: many real rooms (the production engine, not a
 * model) over one in-memory network on a virtual clock, with seeded randomness, latency,
 * loss, partitions, crashes, restarts and churn. Any run replays from its seed.
 */
import * as Y from 'yjs'
import {
  createRoom,
  documentDigest,
  memoryNetwork,
  seededRandom,
  type MemoryNetwork,
  type RandomSource,
  type Room,
  type RoomOptions,
  VirtualClock,
} from '@gossamer/core'
import { DEFAULT_STARVE, StallSchedule, stallDelay, starvedClock, type StarveShape } from './starvation.js'

/** Room options the simulator lets you tune. */
export type SimRoomOptions = Omit<RoomOptions, 'name' | 'doc' | 'transports' | 'clock' | 'random' | 'peerId' | 'signal'>

/** Options of {@link Simulation.create}. */
export interface SimulationOptions {
  /** Number of peers. */
  peers: number
  /** Seed of every random choice in the run. */
  seed: number
  /** One-way link latency, uniform in [min, max] ms. Default 25..75 (50 ± 25). */
  latency?: { min: number; max: number }
  /** Probability that a frame is lost. Default 0. */
  loss?: number
  /** Options for every room. */
  room?: SimRoomOptions
  /** Peers a joiner is introduced to. Default 8. */
  bootstrapSample?: number
  /** Peers join one after the other over this many virtual ms. Default 0 (all at once). */
  joinSpreadMs?: number
  /**
   * CPU starvation: this fraction of the peers (chosen by the seed) runs in short slices
   * between stalls (see starvation.ts); their timers and the frames they receive wait for
   * the end of each stall. Default: none.
   */
  starve?: { fraction: number; shape?: StarveShape }
}

/** One simulated peer. */
export interface SimPeer {
  readonly index: number
  readonly peerId: string
  doc: Y.Doc
  room: Room
  alive: boolean
  /** True for a CPU-starved peer (see {@link SimulationOptions.starve}). */
  readonly starved: boolean
}

/** A digest of a document's integrated content (state vector plus delete set); see core's `documentDigest`. */
export function docDigest(doc: Y.Doc): number {
  return documentDigest(doc)
}

/** A simulation of N peers in one room. */
export class Simulation {
  readonly clock = new VirtualClock()
  readonly network: MemoryNetwork
  readonly random: RandomSource
  readonly peers: SimPeer[] = []
  readonly options: Required<Omit<SimulationOptions, 'room' | 'starve'>> & { room: SimRoomOptions; starve: SimulationOptions['starve'] }
  readonly roomName = 'sim-room'
  /** Stall schedules of the starved peers, by peer id. */
  readonly stalls = new Map<string, StallSchedule>()

  private constructor(options: SimulationOptions) {
    this.options = {
      latency: { min: 25, max: 75 },
      loss: 0,
      room: {},
      bootstrapSample: 8,
      joinSpreadMs: 0,
      ...options,
      starve: options.starve,
    }
    this.random = seededRandom(options.seed)
    const starve = options.starve
    if (starve !== undefined && starve.fraction > 0) {
      const pickRandom = seededRandom(options.seed ^ 0x2545f491)
      const indices = Array.from({ length: options.peers }, (_, i) => i)
      const count = Math.round(starve.fraction * options.peers)
      for (let k = 0; k < count; k++) {
        const j = k + Math.floor(pickRandom.next() * (indices.length - k))
        ;[indices[k], indices[j]] = [indices[j] as number, indices[k] as number]
        const index = indices[k] as number
        this.stalls.set(peerIdOf(index), new StallSchedule(seededRandom((options.seed * 31 + index) >>> 0), starve.shape ?? DEFAULT_STARVE, 0))
      }
    }
    const { min, max } = this.options.latency
    this.network = memoryNetwork({
      clock: this.clock,
      random: seededRandom(options.seed ^ 0x5bd1e995),
      latency:
        this.stalls.size === 0
          ? this.options.latency
          : (_from, to, random) => {
              const base = min + random.next() * (max - min)
              const schedule = this.stalls.get(to)
              return schedule === undefined ? base : base + stallDelay(schedule, this.clock.now() + base)
            },
      loss: this.options.loss,
      bootstrapSample: this.options.bootstrapSample,
      dialTimeoutMs: 3 * (this.options.room.roundMs ?? 1000),
    })
  }

  /** Creates the peers; with `joinSpreadMs`, later peers join later in virtual time. */
  static async create(options: SimulationOptions): Promise<Simulation> {
    const sim = new Simulation(options)
    const { peers, joinSpreadMs } = sim.options
    for (let i = 0; i < peers; i++) {
      if (joinSpreadMs > 0 && i > 0) await sim.clock.advance(joinSpreadMs / peers)
      sim.peers.push(sim.#spawn(i, peerIdOf(i), sim.newDoc()))
    }
    await sim.clock.runUntil(() => false, sim.clock.now())
    return sim
  }

  /** A new document whose Yjs clientID comes from the seeded random source (determinism). */
  newDoc(): Y.Doc {
    const doc = new Y.Doc()
    doc.clientID = Math.floor(this.random.next() * 0x7fffffff)
    return doc
  }

  #spawn(index: number, peerId: string, doc: Y.Doc): SimPeer {
    const stalls = this.stalls.get(peerId)
    const room = createRoom({
      presence: false,
      ...this.options.room,
      name: this.roomName,
      doc,
      transports: [this.network.transport()],
      clock: stalls === undefined ? this.clock : starvedClock(this.clock, stalls),
      random: seededRandom((this.options.seed * 7919 + index * 104729 + this.clock.now()) >>> 0),
      peerId,
    })
    return { index, peerId, doc, room, alive: true, starved: stalls !== undefined }
  }

  /** Peers that are running. */
  alive(): SimPeer[] {
    return this.peers.filter((p) => p.alive)
  }

  /** Advances virtual time by `ms`. */
  async run(ms: number): Promise<void> {
    await this.clock.advance(ms)
  }

  /** Advances virtual time until `predicate` holds or `maxMs` passed. Returns whether it holds. */
  async runUntil(predicate: () => boolean, maxMs: number): Promise<boolean> {
    return this.clock.runUntil(predicate, this.clock.now() + maxMs)
  }

  /** Crashes a peer: it vanishes without a goodbye (silent by default). */
  async crash(index: number, options: { silent?: boolean } = {}): Promise<void> {
    const peer = this.#peer(index)
    if (!peer.alive) return
    peer.alive = false
    this.network.kill(peer.peerId, { silent: options.silent ?? true })
    await peer.room.close()
  }

  /**
   * Restarts a crashed peer with the same id. With `keepDoc` (default true) it keeps its
   * document, like a peer that persisted its state; otherwise it starts empty.
   */
  restart(index: number, options: { keepDoc?: boolean } = {}): void {
    const peer = this.#peer(index)
    if (peer.alive) return
    const doc = this.newDoc()
    if (options.keepDoc !== false) Y.applyUpdate(doc, Y.encodeStateAsUpdate(peer.doc))
    const next = this.#spawn(index, peer.peerId, doc)
    this.peers[index] = next
  }

  /** Splits the peers (by index) into groups that cannot reach each other. */
  partition(groups: number[][]): void {
    this.network.partition(groups.map((g) => g.map((i) => this.#peer(i).peerId)))
  }

  /** Ends every partition. */
  heal(): void {
    this.network.heal()
  }

  /** True when every live peer has the same document digest. */
  converged(): boolean {
    const alive = this.alive()
    const first = alive[0]
    if (first === undefined) return true
    const digest = docDigest(first.doc)
    return alive.every((p) => docDigest(p.doc) === digest)
  }

  /** Closes every room. */
  async close(): Promise<void> {
    await Promise.all(this.peers.map((p) => p.room.close()))
  }

  #peer(index: number): SimPeer {
    const peer = this.peers[index]
    if (peer === undefined) throw new RangeError(`no peer ${index}`)
    return peer
  }
}

/** The id the simulator gives peer `index`. */
export function peerIdOf(index: number): string {
  return `p${index.toString(36).padStart(4, '0')}`
}
