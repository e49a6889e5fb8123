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
  memoryStorage,
  seededRandom,
  type IdentityKeyPair,
  type MemoryNetwork,
  type RandomSource,
  type Room,
  type RoomOptions,
  type StorageAdapter,
  VirtualClock,
} from '@gossamer/core'
import { seededIdentity } from './sim-identity.js'
import { DEFAULT_STARVE, StallSchedule, stallDelay, starvedClock, type StarveShape } from './starvation.js'

/** Room options the simulator lets you tune. */
export type SimRoomOptions = Omit<RoomOptions, 'name' | 'doc' | 'transports' | 'clock' | 'random' | 'peerId' | 'signal' | 'secret' | 'password' | 'writers' | 'identity' | 'storage'>

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
   * Run a room with a secret: every peer is created with it (authenticated, sealed sessions,
   * signed writes). Each peer gets a seeded Ed25519 identity (its peer id comes from the key)
   * and a memory storage of its own that survives crashes, so a restart with `keepDoc` loads
   * its document and signature chains back; a restart without it is a new device with a new
   * key and empty storage. Ed25519 is real: keep peer counts modest.
   */
  secret?: Uint8Array | string
  /** With `secret`: the indexes of the peers that may write (the others read). Default: everyone writes. */
  writers?: readonly number[]
  /**
   * CPU starvation: this fraction of the peers (chosen by the seed) runs in short slices
   * between stalls (see starvation.ts); their timers and the frames they receive wait for
   * the end of each stall. Default: none.
   */
  starve?: { fraction: number; shape?: StarveShape }
}

/** With a secret: virtual ms per pacing step, and the real ms each step gives the platform's crypto. */
const PACE_STEP_MS = 50
const PACE_REAL_MS = 2

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
  readonly options: Required<Omit<SimulationOptions, 'room' | 'secret' | 'writers' | 'starve'>> &
    Pick<SimulationOptions, 'secret' | 'writers' | 'starve'> & { room: SimRoomOptions }
  readonly roomName = 'sim-room'
  /** With a secret: each peer's identity, storage and life count (restarts without the document start a new life). */
  readonly #trusted = new Map<number, { identity: IdentityKeyPair; storage: StorageAdapter; generation: number }>()
  #writers: string[] | undefined
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
    const { peers, joinSpreadMs, secret } = sim.options
    if (secret !== undefined) {
      const identities = await Promise.all(Array.from({ length: peers }, (_, i) => seededIdentity(options.seed, i, 0)))
      identities.forEach((identity, i) => sim.#trusted.set(i, { identity, storage: memoryStorage(), generation: 0 }))
      if (options.writers !== undefined) sim.#writers = options.writers.map((i) => sim.#identity(i).peerId)
    }
    for (let i = 0; i < peers; i++) {
      if (joinSpreadMs > 0 && i > 0) await sim.clock.advance(joinSpreadMs / peers)
      sim.peers.push(sim.#spawn(i, sim.#trusted.get(i)?.identity.peerId ?? peerIdOf(i), sim.newDoc()))
    }
    await sim.clock.runUntil(() => false, sim.clock.now())
    // With a secret, keys and storage are ready before the first edit (as after a restart).
    if (secret !== undefined) await Promise.all(sim.peers.map((p) => p.room.whenLoaded()))
    return sim
  }

  /** A new document whose Yjs clientID comes from the seeded random source (determinism). */
  newDoc(): Y.Doc {
    const doc = new Y.Doc()
    doc.clientID = Math.floor(this.random.next() * 0x7fffffff)
    return doc
  }

  #spawn(index: number, peerId: string, doc: Y.Doc): SimPeer {
    const trusted = this.#trusted.get(index)
    const secret = this.options.secret
    // Stalls are drawn per index (peerIdOf); with a secret the room's id comes from its key.
    const stalls = this.stalls.get(peerIdOf(index))
    const room = createRoom({
      presence: false,
      ...this.options.room,
      name: this.roomName,
      doc,
      transports: [this.network.transport()],
      clock: stalls === undefined ? this.clock : starvedClock(this.clock, stalls),
      random: seededRandom((this.options.seed * 7919 + index * 104729 + this.clock.now()) >>> 0),
      // With a secret the key decides the peer id (room.peerId === identity.peerId).
      ...(trusted === undefined || secret === undefined
        ? { peerId }
        : { secret, identity: trusted.identity, storage: trusted.storage, ...(this.#writers === undefined ? {} : { writers: this.#writers }) }),
    })
    if (stalls !== undefined) this.stalls.set(room.peerId, stalls)
    return { index, peerId: room.peerId, doc, room, alive: true, starved: stalls !== undefined }
  }

  #identity(index: number): IdentityKeyPair {
    const trusted = this.#trusted.get(index)
    if (trusted === undefined) throw new RangeError(`no identity for peer ${index}`)
    return trusted.identity
  }

  /** Peers that are running. */
  alive(): SimPeer[] {
    return this.peers.filter((p) => p.alive)
  }

  /** Advances virtual time by `ms`. */
  async run(ms: number): Promise<void> {
    if (this.options.secret === undefined) return this.clock.advance(ms)
    await this.#paced(() => false, this.clock.now() + ms)
  }

  /** Advances virtual time until `predicate` holds or `maxMs` passed. Returns whether it holds. */
  async runUntil(predicate: () => boolean, maxMs: number): Promise<boolean> {
    if (this.options.secret === undefined) return this.clock.runUntil(predicate, this.clock.now() + maxMs)
    return this.#paced(predicate, this.clock.now() + maxMs)
  }

  /**
   * With a secret, signatures, key derivations and sealing run on the platform's crypto, in
   * real time, while the rooms' timers (handshake timeouts, rounds) run in virtual time. So
   * virtual time moves in steps of {@link PACE_STEP_MS}, each followed by a real turn of the
   * event loop of {@link PACE_REAL_MS} ms: at most 25 virtual ms per real ms, so a handshake
   * on a busy machine is not timed out by a clock racing ahead of its crypto.
   */
  async #paced(predicate: () => boolean, deadline: number): Promise<boolean> {
    for (;;) {
      const until = Math.min(deadline, this.clock.now() + PACE_STEP_MS)
      if (await this.clock.runUntil(predicate, until)) return true
      if (until >= deadline) return predicate()
      await new Promise((resolve) => setTimeout(resolve, PACE_REAL_MS))
    }
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
   *
   * With a secret, `keepDoc` reopens the peer's storage (document, signature chains) under
   * the same key, and edits made to the old document while the peer was down are not
   * carried over: they were never signed. Without `keepDoc` the peer is a new device, with a
   * new key (so a new peer id) and empty storage. The promise settles once the peer is
   * replaced (with a secret, once its storage is loaded: edits made before that are not
   * what a restart means here); without a secret that happens before `restart` returns.
   */
  async restart(index: number, options: { keepDoc?: boolean } = {}): Promise<void> {
    const peer = this.#peer(index)
    if (peer.alive) return
    const keepDoc = options.keepDoc !== false
    const trusted = this.#trusted.get(index)
    const doc = this.newDoc()
    if (trusted === undefined) {
      if (keepDoc) Y.applyUpdate(doc, Y.encodeStateAsUpdate(peer.doc))
      this.peers[index] = this.#spawn(index, peer.peerId, doc)
      return
    }
    if (!keepDoc) {
      const generation = trusted.generation + 1
      const identity = await seededIdentity(this.options.seed, index, generation)
      this.#trusted.set(index, { identity, storage: memoryStorage(), generation })
    }
    const next = this.#spawn(index, this.#identity(index).peerId, doc)
    this.peers[index] = next
    // Its document and chains come back from storage before anyone edits it.
    await next.room.whenLoaded()
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
