/**
 * The spread experiment: one update made by one peer, measured until every live peer has
 * it, then for one more round while the copies still in flight land ("drained"), so every
 * copy of the update counts in the redundancy. It reports the figures `pnpm simulate --json`
 * prints (a stable, machine-readable contract).
 */
import { Simulation, type SimRoomOptions } from './simulation.js'

/** Options of {@link runSpread}. */
export interface SpreadOptions {
  peers: number
  seed: number
  /** Frame loss probability. Default 0. */
  loss?: number
  /** Fraction of peers (never the origin) that crash silently when the update is made. Default 0. */
  fail?: number
  latency?: { min: number; max: number }
  room?: SimRoomOptions
  /** Rounds of membership settling before the update. Default 10. */
  warmupRounds?: number
  /**
   * Updates the origin makes (each awaited until every live peer has it) before the idle
   * measurement and the measured update: its push tree forms, so the measured update shows
   * the steady state of an author's edits rather than a first flood. Default 0.
   */
  warmupUpdates?: number
  /** Rounds measured idle, before the update. Default 5. */
  idleRounds?: number
  /** Give up after this many rounds. Default 60. */
  maxRounds?: number
  /**
   * Virtual ms to keep running after the last peer got its first copy, so copies still in
   * flight land and count. Default: one round (links are at most 75 ms by default, and a
   * copy is forwarded at once, so every copy of the update has landed by then).
   */
  drainMs?: number
  /** Called about every round with (virtual ms since the update, peers reached so far). */
  onProgress?: (virtualMs: number, reached: number, alive: number) => void
}

/** Figures of one spread run. Field names are a stable, machine-readable contract. */
export interface SpreadResult {
  peers: number
  seed: number
  loss: number
  fail: number
  push: boolean
  maxNeighbours: number
  /** Updates the origin made before the measured one (see {@link SpreadOptions.warmupUpdates}). */
  warmupUpdates: number
  /** Live peers (origin excluded) that got the update ÷ live peers − 1. */
  deliveredFraction: number
  /** Rounds from the update until every live peer had it (null if never). */
  roundsToConverge: number | null
  /** Rounds until 99.9% of live peers had it. */
  roundsTo999: number | null
  virtualMsToConverge: number | null
  virtualMsTo999: number | null
  /** Largest push hop count at which a peer first received the update. */
  lastDeliveryHop: number
  /** Hop count by which 99.9% of peers reached by push had it. */
  hopsTo999: number
  /** True when presence (awareness) ran, every peer showing a state, as in an app. */
  presence: boolean
  /**
   * Relative message redundancy (Plumtree's RMR): payload copies received ÷ (peers − 1),
   * minus 1, counted after the network drained (see {@link SpreadOptions.drainMs}). 0 means
   * every peer received the update exactly once.
   */
  redundancy: number
  /** Payload copies received ÷ (peers − 1), after draining (1 = one copy each). */
  copiesPerPeer: number
  /** Virtual ms run after the last first copy before copies were counted. */
  drainMs: number
  messagesPerPeerPerRound: number
  bytesPerPeerPerRound: number
  idleMessagesPerPeerPerRound: number
  idleBytesPerPeerPerRound: number
  /** Fraction of peers reached, sampled over virtual time after the update: [ms, fraction]. */
  curve: [number, number][]
  wallMs: number
  heapMB: number
  memoryPerPeerKB: number
}

/** Runs the spread experiment. */
export async function runSpread(options: SpreadOptions): Promise<SpreadResult> {
  const wallStart = performance.now()
  const heapBefore = process.memoryUsage().heapUsed
  const roundMs = options.room?.roundMs ?? 1000
  const sim = await Simulation.create({
    peers: options.peers,
    seed: options.seed,
    loss: options.loss ?? 0,
    room: options.room ?? {},
    ...(options.latency === undefined ? {} : { latency: options.latency }),
  })
  const presence = options.room?.presence === true
  // With presence on, every peer shows a state, as peers of an app do.
  if (presence) for (const peer of sim.peers) peer.room.awareness.setLocalStateField('user', { name: peer.peerId })
  await sim.run((options.warmupRounds ?? 10) * roundMs)
  const warmupUpdates = options.warmupUpdates ?? 0
  if (warmupUpdates > 0) {
    // Reach is counted from update events: hashing every document per check is too slow at 10k.
    const reached = new Set<number>()
    const offs = sim.peers.slice(1).map((peer) => {
      const onUpdate = (): void => void reached.add(peer.index)
      peer.doc.on('update', onUpdate)
      return () => peer.doc.off('update', onUpdate)
    })
    for (let i = 0; i < warmupUpdates; i++) {
      reached.clear()
      sim.peers[0]?.doc.getText('t').insert(0, `warm-up ${i} `)
      await sim.runUntil(() => reached.size >= sim.peers.length - 1, (options.maxRounds ?? 60) * roundMs)
    }
    for (const off of offs) off()
  }

  // Idle cost: nothing changes, anti-entropy and membership only.
  const idleRounds = options.idleRounds ?? 5
  sim.network.resetStats()
  await sim.run(idleRounds * roundMs)
  const idle = sim.network.stats()
  const n = options.peers
  const idleMessages = idle.framesSent / n / idleRounds
  const idleBytes = idle.bytesSent / n / idleRounds

  // Crash a fraction of peers silently, right when the update is made.
  const failCount = Math.floor((options.fail ?? 0) * n)
  for (let k = 0; k < failCount; k++) await sim.crash(1 + Math.floor(sim.random.next() * (n - 1)))
  const origin = sim.peers[0]
  if (origin === undefined) throw new RangeError('no peers')
  const alive = sim.alive()
  const payloadsBefore = alive.reduce((sum, p) => sum + p.room.stats().payloadsReceived, 0)
  const reachedAt = new Map<number, number>()
  const hops: number[] = []
  const t0 = sim.clock.now()
  const disposers: (() => void)[] = []
  for (const peer of alive) {
    if (peer === origin) continue
    const onUpdate = (): void => {
      if (!reachedAt.has(peer.index)) reachedAt.set(peer.index, sim.clock.now() - t0)
    }
    peer.doc.on('update', onUpdate)
    disposers.push(() => peer.doc.off('update', onUpdate))
    disposers.push(peer.room.on('delta:receive', ({ hop }) => void hops.push(hop + 1)))
  }
  sim.network.resetStats()
  origin.doc.getText('t').insert(0, `update from ${origin.peerId}`)

  const targets = alive.length - 1
  const curve: [number, number][] = [[0, 0]]
  const maxRounds = options.maxRounds ?? 60
  const step = roundMs / 4
  let elapsed = 0
  while (reachedAt.size < targets && elapsed < maxRounds * roundMs) {
    await sim.runUntil(() => reachedAt.size >= targets, step)
    elapsed = sim.clock.now() - t0
    curve.push([elapsed, targets === 0 ? 1 : reachedAt.size / targets])
    options.onProgress?.(elapsed, reachedAt.size, targets)
  }
  // Drain: copies still in flight land (and count) before anything is counted.
  const drainMs = options.drainMs ?? roundMs
  if (reachedAt.size >= targets) await sim.run(drainMs)
  const busyMs = Math.max(sim.clock.now() - t0, roundMs)
  const busy = sim.network.stats()
  const busyRounds = busyMs / roundMs
  for (const dispose of disposers) dispose()

  const times = [...reachedAt.values()].sort((a, b) => a - b)
  const need999 = Math.ceil(0.999 * targets)
  const t999 = times.length >= need999 && need999 > 0 ? (times[need999 - 1] as number) : targets === 0 ? 0 : null
  const t100 = times.length === targets ? (times[times.length - 1] ?? 0) : null
  hops.sort((a, b) => a - b)
  const payloads = alive.reduce((sum, p) => sum + p.room.stats().payloadsReceived, 0) - payloadsBefore
  const heapAfter = process.memoryUsage().heapUsed
  const result: SpreadResult = {
    peers: n,
    seed: options.seed,
    loss: options.loss ?? 0,
    fail: options.fail ?? 0,
    push: options.room?.push ?? true,
    maxNeighbours: options.room?.maxNeighbours ?? 6,
    warmupUpdates,
    presence,
    deliveredFraction: targets === 0 ? 1 : reachedAt.size / targets,
    roundsToConverge: t100 === null ? null : Math.ceil(t100 / roundMs),
    roundsTo999: t999 === null ? null : Math.ceil(t999 / roundMs),
    virtualMsToConverge: t100,
    virtualMsTo999: t999,
    lastDeliveryHop: hops.length === 0 ? 0 : (hops[hops.length - 1] as number),
    hopsTo999: hops.length === 0 ? 0 : (hops[Math.max(0, Math.ceil(0.999 * hops.length) - 1)] as number),
    redundancy: targets === 0 ? 0 : payloads / targets - 1,
    copiesPerPeer: targets === 0 ? 0 : payloads / targets,
    drainMs: reachedAt.size >= targets ? drainMs : 0,
    messagesPerPeerPerRound: busy.framesSent / n / busyRounds,
    bytesPerPeerPerRound: busy.bytesSent / n / busyRounds,
    idleMessagesPerPeerPerRound: idleMessages,
    idleBytesPerPeerPerRound: idleBytes,
    curve,
    wallMs: Math.round(performance.now() - wallStart),
    heapMB: Math.round(heapAfter / 1048576),
    memoryPerPeerKB: Math.round((Math.max(0, heapAfter - heapBefore) / n / 1024) * 10) / 10,
  }
  await sim.close()
  return result
}
