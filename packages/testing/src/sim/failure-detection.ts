/**
 * The failure-detection experiment: N simulated peers (the real engine) warm up, a fraction
 * of them crashes at once (silently, like a closed laptop), and the survivors' `member:*`
 * events are timed: how soon a crash is first detected (the first `member:suspect` or
 * `member:fail` about it anywhere), and how soon every survivor that knew the crashed member
 * holds it as failed. Over the whole measured time it also counts false positives: a
 * suspicion or failure of a member that is alive, per member-hour. With `starve`, a fraction
 * of the peers is CPU-starved (starvation.ts); suspicions of the starved members themselves
 * (which really are unresponsive) are counted apart from those of healthy members.
 */
import type { Room } from '@gossamer/core'
import { Simulation, type SimPeer, type SimRoomOptions } from './simulation.js'
import type { StarveShape } from './starvation.js'

/** Options of {@link runFailureDetection}. */
export interface FailureDetectionOptions {
  peers: number
  seed: number
  /** Frame loss probability, from the start. Default 0. */
  loss?: number
  /** Fraction of peers crashed at once after the warm-up. Default 0. */
  fail?: number
  /** Fraction of peers CPU-starved for the whole run. Default 0. */
  starve?: number
  starveShape?: StarveShape
  latency?: { min: number; max: number }
  room?: SimRoomOptions
  /** Lifeguard's local health on the detector. Default true. */
  localHealth?: boolean
  /** Virtual ms before anything is measured (joins settle). Default 20,000. */
  warmupMs?: number
  /** Rounds of the idle window in which membership traffic is measured, after the warm-up (default 10). */
  idleRounds?: number
  /** Virtual ms measured after the warm-up (false positives over all of it; the crash happens at its start). Default 30,000. */
  durationMs?: number
  /** Called about every virtual second. */
  onProgress?: (virtualMs: number, note: string) => void
}

/** The `failureDetection` object of `pnpm simulate --json` (a stable contract), plus details. */
export interface FailureDetectionFigures {
  /** Mean over crashed members of the time until any survivor first suspected (or failed) it, in ms. */
  firstDetectionMsMean: number | null
  /** 99th percentile over crashed members of the time until every survivor that knew it held it as failed, in ms (null: some never did). */
  allInformedMsP99: number | null
  /** Suspicions of healthy (alive, not starved) members per member-hour. */
  falseSuspicionsPerMemberHour: number
  /** Failures declared of alive members (starved ones included) per member-hour. */
  falseFailuresPerMemberHour: number
}

/** Everything one run measured. */
export interface FailureDetectionResult extends FailureDetectionFigures {
  peers: number
  seed: number
  loss: number
  fail: number
  starve: number
  localHealth: boolean
  probeMs: number
  crashed: number
  /** Crashed members detected at all. */
  detectedFraction: number
  firstDetectionMsMax: number | null
  allInformedMsMax: number | null
  /** (survivor, crashed member it knew) pairs where the survivor ended holding it as failed. */
  informedFraction: number
  /** Suspicions of starved members (slow, but alive) per member-hour. */
  starvedSuspicionsPerMemberHour: number
  falseSuspicions: number
  falseFailures: number
  memberHours: number
  /** Ms after the crash until the survivors' overlay was one component (null: never within the run). */
  survivorsConnectedMs: number | null
  /** Member frames (probes, acks, news) per peer per round while idle, before the crash. */
  membershipMessagesPerPeerPerRound: number
  membershipBytesPerPeerPerRound: number
  /** The same, by frame type (Probe, ProbeAck, Members, …). */
  membershipBytesPerPeerPerRoundByFrame: Record<string, number>
  wallMs: number
  heapMB: number
}

const MEMBER_FRAMES = ['Probe', 'ProbeAck', 'ProbeRequest', 'ProbeReport', 'Members', 'MembersDigest', 'MembersPull', 'RoomEvent', 'Query', 'QueryReply']

function memberTraffic(peers: readonly SimPeer[]): { frames: number; bytes: number; byFrame: Record<string, number> } {
  let frames = 0
  let bytes = 0
  const byFrame: Record<string, number> = {}
  for (const peer of peers) {
    const sent = peer.room.metrics().frames.sent
    for (const name of MEMBER_FRAMES) {
      frames += sent[name]?.frames ?? 0
      bytes += sent[name]?.bytes ?? 0
      byFrame[name] = (byFrame[name] ?? 0) + (sent[name]?.bytes ?? 0)
    }
  }
  return { frames, bytes, byFrame }
}

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null
  const value = sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] as number
  return Number.isFinite(value) ? value : null
}

/** True when the neighbour graph of `peers` is connected. */
export function overlayConnected(peers: readonly SimPeer[]): boolean {
  const ids = new Map(peers.map((p) => [p.peerId, p.room] as [string, Room]))
  const first = peers[0]
  if (first === undefined) return true
  const seen = new Set([first.peerId])
  const queue = [first.peerId]
  for (let id = queue.pop(); id !== undefined; id = queue.pop()) {
    for (const n of ids.get(id)?.neighbours() ?? []) {
      if (ids.has(n) && !seen.has(n)) {
        seen.add(n)
        queue.push(n)
      }
    }
  }
  return seen.size === peers.length
}

/** Runs the failure-detection experiment. */
export async function runFailureDetection(options: FailureDetectionOptions): Promise<FailureDetectionResult> {
  const wallStart = performance.now()
  const localHealth = options.localHealth ?? true
  const room: SimRoomOptions = { ...options.room, members: { ...options.room?.members, localHealth } }
  const roundMs = room.roundMs ?? 1000
  const probeMs = room.members?.probeMs ?? roundMs
  const sim = await Simulation.create({
    peers: options.peers,
    seed: options.seed,
    loss: options.loss ?? 0,
    room,
    ...(options.latency === undefined ? {} : { latency: options.latency }),
    ...((options.starve ?? 0) > 0 ? { starve: { fraction: options.starve as number, ...(options.starveShape === undefined ? {} : { shape: options.starveShape }) } } : {}),
  })
  const progress = options.onProgress
  const warmupMs = options.warmupMs ?? 20_000
  for (let t = 0; t < warmupMs; t += 1000) {
    await sim.run(Math.min(1000, warmupMs - t))
    progress?.(t + 1000, 'warm-up')
  }

  // Idle membership traffic, before anything fails.
  const idleRounds = options.idleRounds ?? 10
  const before = memberTraffic(sim.peers)
  await sim.run(idleRounds * roundMs)
  const after = memberTraffic(sim.peers)
  const n = sim.peers.length

  // From here on every suspicion and failure is timed and judged.
  const t0 = sim.clock.now()
  const crashedAt = new Map<string, number>()
  const starved = new Set(sim.peers.filter((p) => p.starved).map((p) => p.peerId))
  const firstSeen = new Map<string, number>()
  const informed = new Map<string, number>()
  const falseSuspicions = new Set<string>()
  const starvedSuspicions = new Set<string>()
  const falseFailures = new Set<string>()
  for (const peer of sim.peers) {
    // A crashed peer's own view (its links died with it) is not measured.
    peer.room.on('member:suspect', ({ member }) => {
      if (crashedAt.has(peer.peerId)) return
      const at = crashedAt.get(member.peerId)
      if (at !== undefined) {
        if (!firstSeen.has(member.peerId)) firstSeen.set(member.peerId, sim.clock.now() - at)
        return
      }
      const episode = `${member.peerId}@${member.incarnation}`
      ;(starved.has(member.peerId) ? starvedSuspicions : falseSuspicions).add(episode)
    })
    peer.room.on('member:fail', ({ member }) => {
      if (crashedAt.has(peer.peerId)) return
      const at = crashedAt.get(member.peerId)
      if (at === undefined) {
        falseFailures.add(`${member.peerId}@${member.incarnation}`)
        return
      }
      if (!firstSeen.has(member.peerId)) firstSeen.set(member.peerId, sim.clock.now() - at)
      const pair = `${peer.peerId}>${member.peerId}`
      if (!informed.has(pair)) informed.set(pair, sim.clock.now() - at)
    })
  }

  // The crash: a fraction of the peers, at once, silently.
  const failCount = Math.floor((options.fail ?? 0) * n)
  const victims = new Set<number>()
  while (victims.size < failCount) victims.add(Math.floor(sim.random.next() * n))
  const survivors = sim.peers.filter((p) => !victims.has(p.index))
  const expected = new Map<string, Set<string>>()
  for (const peer of survivors) {
    const known = new Set(peer.room.members().map((m) => m.peerId))
    for (const index of victims) {
      const victim = (sim.peers[index] as SimPeer).peerId
      if (!known.has(victim)) continue
      let set = expected.get(victim)
      if (set === undefined) expected.set(victim, (set = new Set()))
      set.add(peer.peerId)
    }
  }
  const pairs = [...expected.values()].reduce((sum, set) => sum + set.size, 0)
  for (const index of victims) {
    const victim = sim.peers[index] as SimPeer
    crashedAt.set(victim.peerId, sim.clock.now())
    await sim.crash(index)
  }

  // Run: sample the survivors' overlay, stop early once everything was seen (when not measuring false positives over a long run).
  const durationMs = options.durationMs ?? 30_000
  let connectedAt: number | null = failCount === 0 ? 0 : null
  const step = Math.min(250, roundMs)
  for (let elapsed = 0; elapsed < durationMs; elapsed += step) {
    await sim.run(step)
    if (connectedAt === null && overlayConnected(survivors)) connectedAt = elapsed + step
    if (elapsed % 1000 < step) progress?.(warmupMs + elapsed, failCount > 0 ? `informed ${informed.size}/${pairs}` : `false suspicions ${falseSuspicions.size}`)
  }
  const memberHours = (survivors.length * (sim.clock.now() - t0)) / 3_600_000

  const detections = [...expected.keys()].map((victim) => firstSeen.get(victim) ?? Infinity).sort((a, b) => a - b)
  const detected = detections.filter(Number.isFinite)
  const everyone = [...expected.entries()]
    .map(([victim, knowers]) => Math.max(...[...knowers].map((k) => informed.get(`${k}>${victim}`) ?? Infinity)))
    .sort((a, b) => a - b)
  const heapMB = Math.round(process.memoryUsage().heapUsed / 1048576)
  await sim.close()
  const rate = (count: number): number => (memberHours > 0 ? count / memberHours : 0)
  const informedPairs = [...expected.entries()].reduce((sum, [victim, knowers]) => sum + [...knowers].filter((k) => informed.has(`${k}>${victim}`)).length, 0)
  return {
    peers: n,
    seed: options.seed,
    loss: options.loss ?? 0,
    fail: options.fail ?? 0,
    starve: options.starve ?? 0,
    localHealth,
    probeMs,
    crashed: failCount,
    firstDetectionMsMean: detected.length === 0 ? null : detected.reduce((a, b) => a + b, 0) / detected.length,
    allInformedMsP99: percentile(everyone, 0.99),
    falseSuspicionsPerMemberHour: rate(falseSuspicions.size),
    falseFailuresPerMemberHour: rate(falseFailures.size),
    detectedFraction: expected.size === 0 ? 1 : detected.length / expected.size,
    firstDetectionMsMax: percentile(detections, 1),
    allInformedMsMax: percentile(everyone, 1),
    informedFraction: pairs === 0 ? 1 : informedPairs / pairs,
    starvedSuspicionsPerMemberHour: rate(starvedSuspicions.size),
    falseSuspicions: falseSuspicions.size,
    falseFailures: falseFailures.size,
    memberHours,
    survivorsConnectedMs: connectedAt,
    membershipMessagesPerPeerPerRound: (after.frames - before.frames) / n / idleRounds,
    membershipBytesPerPeerPerRound: (after.bytes - before.bytes) / n / idleRounds,
    membershipBytesPerPeerPerRoundByFrame: Object.fromEntries(MEMBER_FRAMES.map((name) => [name, ((after.byFrame[name] ?? 0) - (before.byFrame[name] ?? 0)) / n / idleRounds])),
    wallMs: Math.round(performance.now() - wallStart),
    heapMB,
  }
}
