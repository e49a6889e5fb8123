/**
 * One run of the adversaries bench: the seeded room (harness.ts) with a steady stream of
 * honest edits, and, when an entry is given, its adversaries attached for the attack
 * window. Without an entry the same script runs with nobody attacking: that run is the
 * baseline every entry's figures are compared with (same seed, same edits, same newcomers).
 *
 * Timeline (virtual ms from the end of the warm-up): honest edits every `editEveryMs` from
 * 0; the attack starts at `leadMs` and lasts `attackMs`; a newcomer joins 500 ms into the
 * attack; edits stop when the attack does, the adversaries leave, and the run waits for the
 * room to converge; a second newcomer then joins.
 */
import type { PenaltyEvent, Room } from '@gossamer/core'
import { HonestRoom, type RoomPlan } from './harness.js'
import type { AdversaryEntry, Attached } from './table.js'

/** The script of one run. */
export interface RunPlan extends RoomPlan {
  /** Virtual ms the room runs before the first edit. */
  warmupMs: number
  /** One honest edit (by a random honest peer) this often. */
  editEveryMs: number
  /** Edits before the attack starts. */
  leadMs: number
  /** Length of the attack. */
  attackMs: number
  /** How long a newcomer, or the room after the attack, is given. */
  settleMs: number
}

/** Percentiles of a sample (missing values count as infinitely late). */
export interface Spread {
  samples: number
  missing: number
  p50: number | null
  p99: number | null
  max: number | null
}

/** What a newcomer saw. */
export interface NewcomerFigures {
  /** Virtual ms from its creation until it held every original honest peer's presence (null: not within settleMs). */
  sawHonestMs: number | null
  /** Hostile states it held at the end. */
  hostileStates: number
}

/** One hostile peer's fate. */
export interface AttackerFigures {
  peerId: string
  target: string
  welcomed: number
  /** Virtual ms from the attack's start until the target first closed its connection (null: never). */
  cutOffAfterMs: number | null
  /** Rejoins the room refused. */
  refused: number
  framesSent: number
  bytesSent: number
}

/** Everything one run measured. */
export interface RunFigures {
  adversary: string | null
  /** Edit-to-visible latency of honest edits made during the attack window, per (edit, other honest peer). */
  latency: Spread
  /** The same for the edits made from one second into the attack on (without the transient of the adversaries' joins). */
  latencyLater: Spread
  attackers: AttackerFigures[]
  /** Virtual ms until every attacked peer had cut its adversary off (null: one never did, or no adversary). */
  cutOffMs: number | null
  /** `peer:penalty` events with action `disconnect` against hostile peers, all honest rooms together. */
  hostileDisconnects: number
  /** Real CPU ms honest peers spent handling single frames. */
  frameCost: { hostileFrames: number; hostileMaxMs: number | null; hostileP99Ms: number | null; hostileMaxWallMs: number | null; honestFrames: number; honestMaxMs: number | null; honestP99Ms: number | null }
  presence: {
    hostileBytesSent: number
    /** Bytes of hostile presence entries in Awareness frames honest peers sent, over the whole run. */
    hostileBytesForwarded: number
    /** The same, counted until the attack's end (before the room settles and the second newcomer is greeted). */
    hostileBytesForwardedByAttackEnd: number
    hostileFramesForwarded: number
    /** forwarded ÷ sent (null without hostile bytes). */
    amplification: number | null
    /**
     * The honest peer that sent the most hostile presence per hostile presence byte it
     * received (from the adversary or from other honest peers): its bytes in and out, and
     * out ÷ in (null when no honest peer received any).
     */
    worstPeer: { peerId: string; received: number; sent: number; ratio: number } | null
    during: NewcomerFigures
    after: NewcomerFigures
  }
  eclipse: {
    victim: string
    /** Fewest honest neighbours the victim had, sampled every edit during the attack. */
    minHonestNeighbours: number
    /** Honest edits made during the attack (by others) that the victim held before it ended, ÷ those edits (the last second's edits left out). */
    victimDelivered: number
    /** Virtual ms from the attack's end until every honest peer held every edit and one document (null: not within settleMs). */
    convergeAfterMs: number | null
  }
  virtualMs: number
  cpuMs: number
  wallMs: number
}

const cpu = (): number => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

/** Sorted-sample percentile (nearest rank); Infinity for a missing value. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null
  const value = sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number
  return Number.isFinite(value) ? round(value) : null
}

/** Rounds to 3 decimals. */
export function round(x: number, digits = 3): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

function spread(values: number[], missing: number): Spread {
  const sorted = [...values, ...Array<number>(missing).fill(Infinity)].sort((a, b) => a - b)
  return { samples: sorted.length, missing, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: percentile(sorted, 1) }
}

function watchPresence(room: HonestRoom, newcomer: Room, honestClients: number[]): () => NewcomerFigures {
  const joinedAt = room.clock.now()
  let sawAt: number | undefined
  const check = (): void => {
    if (sawAt === undefined && honestClients.every((id) => newcomer.awareness.getStates().has(id))) sawAt = room.clock.now()
  }
  newcomer.awareness.on('update', check)
  return () => {
    check()
    const honest = new Set(honestClients)
    honest.add(newcomer.awareness.clientID)
    const hostileStates = [...newcomer.awareness.getStates().keys()].filter((id) => room.rules.hostileClient(id)).length
    return { sawHonestMs: sawAt === undefined ? null : sawAt - joinedAt, hostileStates }
  }
}

function worstPeer(room: HonestRoom): RunFigures['presence']['worstPeer'] {
  let worst: RunFigures['presence']['worstPeer'] = null
  for (const [peerId, { received, sent }] of room.log.hostilePresenceByPeer) {
    if (received === 0) continue
    const ratio = round(sent / received, 3)
    if (worst === null || ratio > worst.ratio) worst = { peerId, received, sent, ratio }
  }
  return worst
}

/** Runs the plan, with `entry`'s adversaries attacking during the attack window (none: the baseline). */
export async function measureRun(plan: RunPlan, entry: AdversaryEntry | undefined): Promise<RunFigures> {
  const wall0 = performance.now()
  const cpu0 = cpu()
  const room = await HonestRoom.create(plan)
  await room.clock.advance(plan.warmupMs)
  const t0 = room.clock.now()
  const attackAt = t0 + plan.leadMs
  const attackEnd = attackAt + plan.attackMs
  const targets = room.pick(Math.min(6, room.peers.length))
  const victim = room.peers[targets[0] as number]!
  const honestClients = room.peers.map((p) => p.room.awareness.clientID)
  const penalties: PenaltyEvent[] = []
  for (const peer of room.peers) peer.room.on('peer:penalty', (event) => penalties.push(event))

  let adversaries: Attached[] = []
  let during: (() => NewcomerFigures) | undefined
  let minHonestNeighbours = Infinity
  while (room.clock.now() < attackEnd) {
    const now = room.clock.now()
    if (now === attackAt && entry !== undefined) {
      adversaries = entry.attach({
        clock: room.clock,
        room: room.name,
        transport: () => room.transport(),
        hostile: (peerId) => room.hostile(peerId),
        targets: (count) => targets.slice(0, count).map((i) => room.peers[i]!.peerId),
        honest: room.peers.map((p) => p.peerId),
        seed: plan.seed,
      })
      for (const { adversary } of adversaries) void adversary.start()
    }
    if (now === attackAt + 500) during = watchPresence(room, room.newcomer(), honestClients)
    if (now >= attackAt) minHonestNeighbours = Math.min(minHonestNeighbours, victim.room.neighbours().filter((id) => room.isHonest(id)).length)
    room.edit()
    await room.clock.advance(plan.editEveryMs)
  }

  // The attack ends: edits stop and the adversaries leave.
  const attackers: AttackerFigures[] = adversaries.map(({ adversary, target }) => {
    const s = adversary.peer.stats
    return {
      peerId: adversary.peer.peerId,
      target,
      welcomed: s.welcomed,
      cutOffAfterMs: s.firstCutOffAt === undefined ? null : s.firstCutOffAt - attackAt,
      refused: s.refused,
      framesSent: s.framesSent,
      bytesSent: s.bytesSent,
    }
  })
  const inWindow = room.edits.filter((e) => e.madeAt >= attackAt && e.madeAt < attackEnd)
  const delivered = inWindow.filter((e) => e.madeAt < attackEnd - 1000 && e.author !== victim.index)
  const victimDelivered = delivered.length === 0 ? 1 : delivered.filter((e) => (e.seenAt.get(victim.index) ?? Infinity) < attackEnd).length / delivered.length
  const forwardedByAttackEnd = room.log.hostilePresenceBytesSent
  await Promise.all(adversaries.map(({ adversary }) => adversary.stop()))
  const converged = await room.clock.runUntil(() => room.converged(), attackEnd + plan.settleMs)
  const convergeAfterMs = converged ? room.clock.now() - attackEnd : null
  const after = watchPresence(room, room.newcomer(), honestClients)
  await room.clock.advance(plan.settleMs)

  // Latency of the attack window's edits, per (edit, other original honest peer).
  const latencyOf = (edits: typeof inWindow): Spread => {
    const latencies: number[] = []
    let missing = 0
    for (const e of edits) {
      for (const peer of room.peers) {
        if (peer.index === e.author) continue
        const seen = e.seenAt.get(peer.index)
        if (seen === undefined) missing++
        else latencies.push(seen - e.madeAt)
      }
    }
    return spread(latencies, missing)
  }
  const hostileMs = [...room.log.hostileFrameMs].sort((a, b) => a - b)
  const honestMs = [...room.log.honestFrameMs].sort((a, b) => a - b)
  const hostileBytesSent = attackers.reduce((sum, a) => sum + a.bytesSent, 0)
  const cutOffs = attackers.map((a) => a.cutOffAfterMs)
  const figures: RunFigures = {
    adversary: entry?.name ?? null,
    latency: latencyOf(inWindow),
    latencyLater: latencyOf(inWindow.filter((e) => e.madeAt >= attackAt + 1000)),
    attackers,
    cutOffMs: cutOffs.length === 0 || cutOffs.some((c) => c === null) ? null : Math.max(...(cutOffs as number[])),
    hostileDisconnects: penalties.filter((p) => !room.isHonest(p.peerId) && p.action === 'disconnect').length,
    frameCost: {
      hostileFrames: hostileMs.length,
      hostileMaxMs: percentile(hostileMs, 1),
      hostileP99Ms: percentile(hostileMs, 0.99),
      hostileMaxWallMs: room.log.hostileFrameWallMs.length === 0 ? null : round(Math.max(...room.log.hostileFrameWallMs)),
      honestFrames: honestMs.length,
      honestMaxMs: percentile(honestMs, 1),
      honestP99Ms: percentile(honestMs, 0.99),
    },
    presence: {
      hostileBytesSent,
      hostileBytesForwarded: room.log.hostilePresenceBytesSent,
      hostileBytesForwardedByAttackEnd: forwardedByAttackEnd,
      hostileFramesForwarded: room.log.hostilePresenceFrames,
      amplification: hostileBytesSent === 0 ? null : round(room.log.hostilePresenceBytesSent / hostileBytesSent, 4),
      worstPeer: worstPeer(room),
      during: during?.() ?? { sawHonestMs: null, hostileStates: 0 },
      after: after(),
    },
    eclipse: {
      victim: victim.peerId,
      minHonestNeighbours: Number.isFinite(minHonestNeighbours) ? minHonestNeighbours : 0,
      victimDelivered: round(victimDelivered, 4),
      convergeAfterMs,
    },
    virtualMs: room.clock.now() - t0,
    cpuMs: 0,
    wallMs: 0,
  }
  await room.close()
  figures.cpuMs = Math.round(cpu() - cpu0)
  figures.wallMs = Math.round(performance.now() - wall0)
  return figures
}
