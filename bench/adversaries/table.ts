/**
 * The adversaries bench's scenario table: one entry per adversary of `@gossamer/testing`,
 * saying how it attaches to the room (which honest peers it attacks, with what settings)
 * and which of the targets apply to it. The runner (run.ts) treats every entry the
 * same way: a run of the seeded room without any adversary, then the same seed with the
 * entry's adversaries attached for the attack window; every figure is measured for every
 * entry, and `targets` picks those that are checked.
 */
import { JoinPriority, type Clock, type PeerId, type Transport } from '@gossamer/core'
import { awarenessSpammer, eclipser, flooder, liar, oversizer, pruner, ScriptedAdversary, type Adversary, type AdversaryInit } from '@gossamer/testing'

/**
 * The targets an entry can be checked against:
 * - `latency`: honest edit-to-visible p99 under the adversary ≤ 2 × without it;
 * - `cutoff`: every attacked honest peer cuts the adversary off within 5 s;
 * - `frameCost`: no single hostile frame costs an honest peer over 100 ms of CPU;
 * - `presence`: hostile presence forwarded by honest peers ≤ 1.5 × the hostile bytes
 *   sent, and a newcomer during and after the attack receives every honest peer's presence;
 * - `eclipse`: the victim (the first attacked peer) keeps ≥ 2 honest neighbours and receives
 *   ≥ 99% of honest edits during the attack, and the room converges within one
 *   anti-entropy round once the attack stops.
 */
export type TargetKind = 'latency' | 'cutoff' | 'frameCost' | 'presence' | 'eclipse'

/** What an entry gets to attach its adversaries to the room. */
export interface AttackContext {
  /** The room's clock (virtual). */
  clock: Clock
  /** The room's name (for the Hellos). */
  room: string
  /** A fresh transport on the room's network, not started. */
  transport(): Transport
  /** Registers a hostile peer id (its frames are then timed as hostile) and returns it. */
  hostile(peerId: PeerId): PeerId
  /** `count` distinct honest peer ids, chosen by the seed; the first is "the victim". */
  targets(count: number): PeerId[]
  /** Every honest peer id. */
  honest: readonly PeerId[]
  /** The run's seed. */
  seed: number
}

/** One hostile peer an entry attached, and the honest peer it attacks. */
export interface Attached {
  adversary: Adversary
  target: PeerId
}

/** One adversary of the bench. */
export interface AdversaryEntry {
  /** Short name (JSON, tables, plots). */
  name: string
  /** What it does, in a sentence. */
  description: string
  /** Its settings, as recorded in the JSON. */
  settings: Record<string, number | string>
  /** Creates its adversaries (not started): the runner starts them at the attack's start and stops them at its end. */
  attach(ctx: AttackContext): Attached[]
  /** The targets checked for it. */
  targets: readonly TargetKind[]
}

/** Honest peers each single-connection adversary attacks (one hostile peer per target). */
export const ATTACKED_PEERS = 3

/**
 * One hostile peer per attacked honest peer, each with a high-priority Hello (so a full
 * target makes room for it by evicting an honest neighbour, as a real attacker would ask).
 */
function perTarget(ctx: AttackContext, name: string, make: (init: AdversaryInit) => Adversary): Attached[] {
  return ctx.targets(ATTACKED_PEERS).map((target, k) => ({
    adversary: make({ transport: ctx.transport(), peerId: ctx.hostile(`${name}-${k}`), room: ctx.room, clock: ctx.clock, target, priority: JoinPriority.High }),
    target,
  }))
}

/** Sybils of the eclipser entry, all on one victim. */
export const ECLIPSE_SYBILS = 6

/**
 * The eclipser's sybils on the seed's victim (the first of `ctx.targets`), each registered
 * as hostile: one element per sybil, all with the same target.
 */
function eclipse(ctx: AttackContext): Attached[] {
  const target = ctx.targets(1)[0] as PeerId
  for (let i = 0; i < ECLIPSE_SYBILS; i++) ctx.hostile(`eclipser-${i}`)
  const attack = eclipser({ transport: () => ctx.transport(), room: ctx.room, clock: ctx.clock, target, sybils: ECLIPSE_SYBILS, prefix: 'eclipser-' })
  return attack.sybils.map((adversary) => ({ adversary, target }))
}

/** The adversaries measured. */
export const ADVERSARY_TABLE: readonly AdversaryEntry[] = [
  {
    name: 'idle-joiner',
    description: 'the control: hostile peers that join exactly as the others do (a high-priority Hello) and then send nothing but Pongs',
    settings: { attackedPeers: ATTACKED_PEERS },
    attach: (ctx) => perTarget(ctx, 'idle', (init) => new ScriptedAdversary('idle joiner', init, () => undefined)),
    targets: ['latency'],
  },
  {
    name: 'flooder',
    description: 'valid, new Deltas (16-character inserts) at 1,000 per second from each hostile peer',
    settings: { rate: 1000, chars: 16, attackedPeers: ATTACKED_PEERS },
    attach: (ctx) => perTarget(ctx, 'flooder', (init) => flooder({ ...init, rate: 1000, chars: 16 })),
    targets: ['latency', 'cutoff', 'frameCost'],
  },
  {
    name: 'oversizer',
    description: 'Deltas of 2 MiB of GC structs (over the 1 MiB frame limit) at 20 per second from each hostile peer',
    settings: { bytes: 2 * 1024 * 1024, kind: 'gc', rate: 20, attackedPeers: ATTACKED_PEERS },
    attach: (ctx) => perTarget(ctx, 'oversizer', (init) => oversizer({ ...init, bytes: 2 * 1024 * 1024, kind: 'gc', rate: 20 })),
    targets: ['latency', 'cutoff', 'frameCost'],
  },
  {
    name: 'awareness-spammer',
    description: 'Awareness updates of 100 new client states of ~600 bytes each, 50 per second from each hostile peer',
    settings: { states: 100, stateBytes: 600, rate: 50, attackedPeers: ATTACKED_PEERS },
    attach: (ctx) => perTarget(ctx, 'spammer', (init) => awarenessSpammer({ ...init, states: 100, stateBytes: 600, rate: 50 })),
    targets: ['latency', 'cutoff', 'frameCost', 'presence'],
  },
  {
    name: 'pruner',
    description: 'echoes every Delta back at once with hop 0, sends spurious Prunes of made-up origins and Grafts, forwards nothing',
    settings: { attackedPeers: ATTACKED_PEERS },
    attach: (ctx) => perTarget(ctx, 'pruner', (init) => pruner(init)),
    targets: ['latency', 'cutoff', 'frameCost'],
  },
  {
    name: 'liar',
    description: 'answers every anti-entropy Digest with a DigestMatch it does not hold, and asks for everything without answering requests',
    settings: { attackedPeers: ATTACKED_PEERS },
    attach: (ctx) => perTarget(ctx, 'liar', (init) => liar(init)),
    targets: ['latency', 'frameCost', 'eclipse'],
  },
  {
    name: 'eclipser',
    description: 'six sybils on one victim: urgent dials and high-priority Hellos, peer lists of sybils and 3,200 bogus ids, fake presence for 40 clients each, lying digest matches, nothing forwarded',
    settings: { sybils: ECLIPSE_SYBILS, bogusIds: 3200, fakeClients: 40 },
    attach: (ctx) => eclipse(ctx),
    targets: ['latency', 'frameCost', 'eclipse'],
  },
]
