/**
 * A deterministic in-memory network: the transport for tests, examples and the simulator.
 * Frames travel between peers of one network with latency, loss, reordering and
 * partitions; with a seeded random source and a virtual clock every run replays exactly.
 */
import { type Clock, systemClock } from '../clock.js'
import { ConfigError, TransportError } from '../errors.js'
import { type RandomSource, systemRandom } from '../random.js'
import type { PeerId, Transport } from '../transport.js'
import type { MemoryFabric, MemoryPeer } from './memory-fabric.js'
import { createMemoryTransport } from './memory-transport.js'
import { sampleMembers, TopicMembers } from './memory-topics.js'

/**
 * One-way latency of a memory network, in ms: a constant, a uniform range, or a function
 * of the link (called once per frame or control message, with the network's random source).
 */
export type MemoryLatency =
  | number
  | { min: number; max: number }
  | ((from: PeerId, to: PeerId, random: RandomSource) => number)

/** Options of {@link memoryNetwork}. */
export interface MemoryNetworkInit {
  /**
   * Source of time for latency and dial timeouts. Default: the system clock. When no clock
   * is given and latency is 0 everywhere (a constant 0 or `{ min: 0, max: 0 }`), frames
   * are delivered by microtask.
   */
  clock?: Clock
  /** Source of randomness for latency draws, loss and bootstrap samples. Default: the platform's crypto generator. */
  random?: RandomSource
  /** One-way latency in ms. Default 0. `{ min, max }` is uniform. */
  latency?: MemoryLatency
  /** Probability that each frame is dropped (every frame kind). Default 0. */
  loss?: number
  /**
   * Default false: per-link FIFO, a frame is never delivered before an earlier frame of the
   * same direction of the same connection. True: each frame is delayed independently.
   */
  reorder?: boolean
  /** How many peers of a topic are announced to a peer that joins it. Default 8. */
  bootstrapSample?: number
  /** A dial that cannot reach its peer rejects with a `TransportError` after this many ms. Default 3000. */
  dialTimeoutMs?: number
}

/** Network-wide frame counters of a {@link MemoryNetwork}. */
export interface MemoryNetworkStats {
  /** Frames handed to `send()` on an open connection. */
  framesSent: number
  /** Bytes of those frames. */
  bytesSent: number
  /** Frames that reached an open connection end. */
  framesDelivered: number
  /** Frames lost to loss, a partition, a dead peer or an end that closed first. */
  framesDropped: number
}

/** Per-peer frame counters of a {@link MemoryNetwork}. */
export interface MemoryPeerStats {
  /** Frames this peer handed to `send()`. */
  framesSent: number
  /** Bytes of those frames. */
  bytesSent: number
  /** Frames that reached an open end of this peer. */
  framesReceived: number
  /** Bytes of those frames. */
  bytesReceived: number
}

/** Options of {@link MemoryNetwork.kill}. */
export interface MemoryKillOptions {
  /** True (default): remote ends get no close event. False: they get one after one latency. */
  silent?: boolean
}

/**
 * A simulated network. Make transports with {@link MemoryNetwork.transport}, then steer
 * the network with partitions, loss and kills.
 *
 * @example
 * ```ts
 * const network = memoryNetwork({ latency: { min: 5, max: 50 }, loss: 0.01 })
 * const a = network.transport()
 * await a.start({ peerId: 'a', signal })
 * ```
 */
export interface MemoryNetwork {
  /** A new transport for one peer (its peer id comes from `start()`). */
  transport(): Transport
  /**
   * Peers in different groups cannot reach each other: frames between them are silently
   * dropped (connections stay open, like a real partition; close notices are dropped too)
   * and dials fail after `dialTimeoutMs`. Peers not listed form one extra group together.
   * A peer listed twice belongs to its last group. Replaces any previous partition.
   */
  partition(groups: PeerId[][]): void
  /** Removes the partition: every peer can reach every other again. */
  heal(): void
  /** Sets the probability that each frame is dropped. */
  setLoss(p: number): void
  /**
   * The peer vanishes: its transport stops accepting and dialing, and its connections die
   * (its own ends emit `close`). `silent` (default true): remote ends get no close event and
   * must detect the death by silence; false: they get a close event after one latency.
   */
  kill(peerId: PeerId, options?: MemoryKillOptions): void
  /** Ids of peers whose transports are started and not killed or stopped. */
  peers(): PeerId[]
  /** Open connections of a peer (each connection counted once per end). */
  connectionCount(peerId: PeerId): number
  /** Network-wide frame counters since creation or the last {@link MemoryNetwork.resetStats}. */
  stats(): MemoryNetworkStats
  /** Per-peer counters, for load measurements. Zeros for a peer never seen. */
  peerStats(peerId: PeerId): MemoryPeerStats
  /** Sets every counter back to zero. */
  resetStats(): void
}

/**
 * Makes an in-memory network. Networks share nothing: two networks are fully independent.
 *
 * @example
 * ```ts
 * const network = memoryNetwork()                 // microtask delivery
 * const [a, b] = [network.transport(), network.transport()]
 * await a.start({ peerId: 'a', signal })
 * await b.start({ peerId: 'b', signal })
 * b.on('connection:open', ({ connection }) => connection.on('message', ({ data }) => {}))
 * const connection = await a.dial('b')
 * connection.send(new Uint8Array([1, 2, 3]))
 * ```
 */
export function memoryNetwork(init: MemoryNetworkInit = {}): MemoryNetwork {
  const clock = init.clock ?? systemClock()
  const random = init.random ?? systemRandom()
  const drawLatency = latencyOf(init.latency ?? 0)
  const microtasks = init.clock === undefined && isZeroLatency(init.latency ?? 0)
  const bootstrapSample = nonNegative('bootstrapSample', init.bootstrapSample ?? 8)
  const dialTimeoutMs = nonNegative('dialTimeoutMs', init.dialTimeoutMs ?? 3000)
  let loss = probability(init.loss ?? 0)

  /** Live peers: started and neither stopped nor killed. */
  const live = new Map<PeerId, MemoryPeer>()
  const topics = new Map<string, TopicMembers>()
  /** Partition group of each listed peer; unlisted peers share group -1. Empty: healed. */
  let groupOf = new Map<PeerId, number>()
  let totals = zeroTotals()
  let perPeer = new Map<PeerId, MemoryPeerStats>()

  const counters = (peerId: PeerId): MemoryPeerStats => {
    let stats = perPeer.get(peerId)
    if (stats === undefined) {
      stats = zeroPeerStats()
      perPeer.set(peerId, stats)
    }
    return stats
  }

  const fabric: MemoryFabric = {
    clock,
    random,
    reorder: init.reorder ?? false,
    dialTimeoutMs,
    schedule: microtasks
      ? (fn) => queueMicrotask(fn)
      : (fn, ms) => {
          clock.setTimeout(fn, ms)
        },
    now: microtasks ? () => 0 : () => clock.now(),
    latency: (from, to) => drawLatency(from, to, random),
    lose: () => loss > 0 && random.next() < loss,
    reachable: (from, to) =>
      live.has(from) && live.has(to) && (groupOf.size === 0 || (groupOf.get(from) ?? -1) === (groupOf.get(to) ?? -1)),
    peer: (peerId) => live.get(peerId),
    register(peerId, peer) {
      if (live.has(peerId)) throw new TransportError(`peer id ${peerId} is already in use on this network`)
      live.set(peerId, peer)
    },
    unregister(peerId, peer) {
      if (live.get(peerId) === peer) live.delete(peerId)
    },
    join(peerId, topic) {
      let members = topics.get(topic)
      if (members === undefined) {
        members = new TopicMembers()
        topics.set(topic, members)
      }
      const found = sampleMembers(random, members.ids, bootstrapSample)
      members.add(peerId)
      return found
    },
    leave(peerId, topic) {
      const members = topics.get(topic)
      if (members === undefined) return
      members.remove(peerId)
      if (members.ids.length === 0) topics.delete(topic)
    },
    countSent(from, bytes) {
      totals.framesSent++
      totals.bytesSent += bytes
      const stats = counters(from)
      stats.framesSent++
      stats.bytesSent += bytes
    },
    countDelivered(to, bytes) {
      totals.framesDelivered++
      const stats = counters(to)
      stats.framesReceived++
      stats.bytesReceived += bytes
    },
    countDropped() {
      totals.framesDropped++
    },
  }

  return {
    transport: () => createMemoryTransport(fabric),
    partition(groups) {
      const next = new Map<PeerId, number>()
      groups.forEach((group, index) => {
        for (const peerId of group) next.set(peerId, index)
      })
      groupOf = next
    },
    heal() {
      groupOf = new Map()
    },
    setLoss(p) {
      loss = probability(p)
    },
    kill(peerId, options = {}) {
      live.get(peerId)?.kill(options.silent ?? true)
    },
    peers: () => [...live.keys()],
    connectionCount: (peerId) => live.get(peerId)?.openEnds ?? 0,
    stats: () => ({ ...totals }),
    peerStats: (peerId) => ({ ...(perPeer.get(peerId) ?? zeroPeerStats()) }),
    resetStats() {
      totals = zeroTotals()
      perPeer = new Map()
    },
  }
}

function latencyOf(latency: MemoryLatency): (from: PeerId, to: PeerId, random: RandomSource) => number {
  if (typeof latency === 'function') {
    return (from, to, random) => {
      const ms = latency(from, to, random)
      return Number.isFinite(ms) && ms > 0 ? ms : 0
    }
  }
  if (typeof latency === 'number') {
    const ms = nonNegative('latency', latency)
    return () => ms
  }
  const min = nonNegative('latency.min', latency.min)
  const max = nonNegative('latency.max', latency.max)
  if (max < min) throw new ConfigError(`latency.max (${max}) is below latency.min (${min})`)
  if (max === min) return () => min
  return (_from, _to, random) => min + random.next() * (max - min)
}

function isZeroLatency(latency: MemoryLatency): boolean {
  if (typeof latency === 'number') return latency === 0
  if (typeof latency === 'function') return false
  return latency.max === 0
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new ConfigError(`${name} must be a finite number >= 0, got ${value}`)
  return value
}

function probability(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new ConfigError(`loss must be between 0 and 1, got ${p}`)
  return p
}

function zeroTotals(): MemoryNetworkStats {
  return { framesSent: 0, bytesSent: 0, framesDelivered: 0, framesDropped: 0 }
}

function zeroPeerStats(): MemoryPeerStats {
  return { framesSent: 0, bytesSent: 0, framesReceived: 0, bytesReceived: 0 }
}
