/**
 * The overlay's periodic repair, run every few rounds while the overlay is not known to be
 * connected: redial a lost peer, fill a free slot, or rewire at random, so that the halves of
 * a healed partition, the ends of chains that formed apart and components that closed on
 * themselves join again.
 */
import { JoinPriority, type JoinPriorityValue } from '../protocol/messages.js'
import { pick, type RandomSource } from '../random.js'
import type { PeerId } from '../transport.js'
import type { PeerViews } from './peer-views.js'

/** Chance, per reconnect period, that a peer with a free slot dials a passive peer to fill it. */
export const FILL_CHANCE = 1 / 2

/** What one repair step needs of the overlay. */
export interface RewiringPorts {
  readonly views: PeerViews
  readonly random: RandomSource
  readonly maxNeighbours: number
  now(): number
  /** True while a session or dial with `peer` exists. */
  linked(peer: PeerId): boolean
  /** Slots of the active view in use (see Admission.slotsUsed). */
  slotsUsed(): number
  /** Neighbours the outbound quota lets go (see Admission.evictable). */
  evictable(): PeerId[]
  evict(victim: PeerId): void
  dial(peer: PeerId, priority: JoinPriorityValue): void
}

/**
 * One repair step. It redials one lost peer that is due, with high priority: a saturated
 * acceptor makes room, so the halves of a healed partition reconnect even when every peer
 * across is full; if we are full ourselves, we first free one slot. With no lost peer due, a
 * peer with a free slot fills it half the time with a low-priority dial (only a peer with a
 * free slot accepts it), so ends of chains that formed apart join. Otherwise it rewires
 * with probability `rewireChance`: a high-priority dial to a random passive peer (freeing a
 * slot first when full), so components that closed on themselves merge.
 */
export function rewire(ports: RewiringPorts, rewireChance: number): void {
  const { views, random } = ports
  const linked = (p: PeerId): boolean => ports.linked(p)
  const lost = views.pickFailed(ports.now(), linked)
  if (lost === undefined && ports.slotsUsed() < ports.maxNeighbours && random.next() < FILL_CHANCE) {
    const target = views.samplePassive(1, linked)[0]
    if (target !== undefined) ports.dial(target, JoinPriority.Low)
    return
  }
  if (lost === undefined && random.next() >= rewireChance) return
  const target = lost ?? views.samplePassive(1, linked)[0]
  if (target === undefined) return
  if (ports.slotsUsed() >= ports.maxNeighbours) {
    // Never one of the quota's self-dialled neighbours (see Admission.evictable).
    const victim = pick(random, ports.evictable())
    if (victim === undefined) return
    ports.evict(victim)
    if (ports.slotsUsed() >= ports.maxNeighbours) return
  }
  ports.dial(target, JoinPriority.High)
}
