/**
 * The internal contract between a memory network and the transports and connections it
 * hosts. Not part of the public API: users reach the network through `memoryNetwork()`.
 *
 * @internal
 */
import type { Clock } from '../clock.js'
import type { RandomSource } from '../random.js'
import type { Connection, PeerId } from '../transport.js'

/**
 * A connection end as its owner sees it.
 *
 * @internal
 */
export interface MemoryEndHandle extends Connection {
  /** Closes this end without telling the remote end (a silent crash). */
  abandon(reason?: string): void
}

/**
 * A peer as the network sees it: a started, live memory transport.
 *
 * @internal
 */
export interface MemoryPeer {
  /** Open connection ends of this peer. */
  readonly openEnds: number
  /** A dial reached this peer: take `end` and announce it with `connection:open`. */
  accept(end: MemoryEndHandle): void
  /** One of this peer's ends closed: forget it. */
  detach(end: MemoryEndHandle): void
  /** The peer vanishes. `silent`: remote ends are not told. */
  kill(silent: boolean): void
}

/**
 * What transports and connections need from their network.
 *
 * @internal
 */
export interface MemoryFabric {
  readonly clock: Clock
  readonly random: RandomSource
  readonly reorder: boolean
  readonly dialTimeoutMs: number
  /** Runs `fn` after `ms` of network time (by microtask in microtask mode). */
  schedule(fn: () => void, ms: number): void
  /** Current network time (0 in microtask mode). */
  now(): number
  /** One one-way latency draw from `from` to `to`. */
  latency(from: PeerId, to: PeerId): number
  /** True when a frame sent now should be dropped by the loss knob. */
  lose(): boolean
  /** Both peers live and in the same partition group. */
  reachable(from: PeerId, to: PeerId): boolean
  /** The live peer registered under `peerId`. */
  peer(peerId: PeerId): MemoryPeer | undefined
  /** Registers a live peer. Throws a `TransportError` when the id is taken. */
  register(peerId: PeerId, peer: MemoryPeer): void
  /** Unregisters `peer`, only if it is the one registered under `peerId`. */
  unregister(peerId: PeerId, peer: MemoryPeer): void
  /** Adds the peer to `topic` (again: a rediscovery); returns a bootstrap sample of its members, which may include the peer itself when it was there already. */
  join(peerId: PeerId, topic: string): PeerId[]
  /** Removes the peer from `topic`. */
  leave(peerId: PeerId, topic: string): void
  /** Counts a frame handed to `send()` on an open end. */
  countSent(from: PeerId, bytes: number): void
  /** Counts a frame that reached an open end. */
  countDelivered(to: PeerId, bytes: number): void
  /** Counts a frame lost to loss, a partition, a dead peer or a closed end. */
  countDropped(): void
}
