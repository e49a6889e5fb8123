/**
 * The failure detector (layer 3, beside liveness): SWIM-style probes over existing links,
 * with Lifeguard's local health. Every probe period (`probeMs`) a peer probes each
 * neighbour it has not heard from during the last period (any frame counts: a busy link
 * needs no probe, and on a quiet link the two ends take turns). A probe is a Probe frame
 * answered by a ProbeAck with the same `seq`, retried every ack timeout (from the link's
 * measured RTT) until the probe deadline; at the second attempt `helpers` other neighbours
 * are asked to probe the target too (ProbeRequest, answered by ProbeReport: alive, nack or
 * no link). Any frame from the target ends the probe. A probe that reaches its deadline
 * unanswered makes the target suspect (the `suspect` port); the members layer turns
 * suspicions into room-wide news, confirmations and failures.
 *
 * Local health (local-health.ts) stretches every timeout by 1 + score, and a timer that
 * fires late (this peer's event loop was blocked) never concludes: it waits for the input
 * that may be queued behind it. Probes and acks carry member news (`news` port), so a
 * suspected neighbour hears of its suspicion from the prober at once (Lifeguard's buddy
 * system) and can refute it.
 */
import type { TimerHandle } from '../clock.js'
import type { LayerContext } from '../engine/context.js'
import { FrameType } from '../protocol/messages.js'
import type { ProbeAckFrame, ProbeFrame, ProbeReportFrame, ProbeRequestFrame } from '../protocol/messages-members.js'
import { ProbeResult } from '../protocol/messages-members.js'
import { randomInt, sample } from '../random.js'
import type { PeerId } from '../transport.js'
import type { FailureDetectorConfig, FailureDetectorPorts, LinkState, Probe } from './failure-detector-ports.js'
import { ackTimeout, sampleRtt, type LinkRtt } from './link-rtt.js'
import { LATE_MS, LocalHealth } from './local-health.js'

export type { FailureDetectorConfig, FailureDetectorPorts } from './failure-detector-ports.js'

/** The failure detector of one room. Internal. */
export class FailureDetector {
  readonly health: LocalHealth
  readonly #ctx: LayerContext
  readonly #config: FailureDetectorConfig
  readonly #ports: FailureDetectorPorts
  readonly #links = new Map<PeerId, LinkState>()
  readonly #probes = new Map<number, Probe>()
  #seq: number
  #timer: TimerHandle | undefined

  constructor(ctx: LayerContext, config: FailureDetectorConfig, ports: FailureDetectorPorts) {
    this.#ctx = ctx
    this.#config = config
    this.#ports = ports
    this.health = new LocalHealth(config.localHealth, config.maxHealthScore)
    this.#seq = randomInt(ctx.random, 1024)
  }

  /** Starts the probe periods, at a random phase. */
  start(): void {
    this.#timer ??= this.#after(this.#ctx.random.next() * this.#config.probeMs, (lateness) => this.#period(lateness))
  }

  /** Stops every timer. */
  stop(): void {
    if (this.#timer !== undefined) this.#ctx.clock.clearTimeout(this.#timer)
    for (const probe of this.#probes.values()) this.#end(probe)
  }

  up(peer: PeerId, neighbour: boolean): void {
    this.#links.set(peer, { neighbour, lastHeard: this.#ctx.clock.now(), srtt: undefined, rttvar: 0, probe: undefined })
  }

  down(peer: PeerId): void {
    const link = this.#links.get(peer)
    if (link?.probe !== undefined) this.#end(link.probe)
    this.#links.delete(peer)
  }

  /** Any frame from `peer` proves it alive: it ends a probe of it. */
  heard(peer: PeerId): void {
    const link = this.#links.get(peer)
    if (link === undefined) return
    link.lastHeard = this.#ctx.clock.now()
    const probe = link.probe
    if (probe !== undefined && probe.relay === undefined && link.lastHeard > probe.startedAt) this.#answered(probe, false)
  }

  /** The smoothed RTT of the link to `peer`, in ms. */
  rtt(peer: PeerId): number | undefined {
    const srtt = this.#links.get(peer)?.srtt
    return srtt === undefined ? undefined : Math.round(srtt)
  }

  /** Our neighbours and their RTTs, for the health record. */
  links(): LinkRtt[] {
    const links: LinkRtt[] = []
    for (const [peer, link] of this.#links) if (link.neighbour) links.push({ peer, rttMs: Math.round(link.srtt ?? 0) })
    return links
  }

  /** True while a probe of `peer` waits for its answer. */
  probing(peer: PeerId): boolean {
    return this.#links.get(peer)?.probe !== undefined
  }

  onProbe(peer: PeerId, frame: ProbeFrame): void {
    // The probe's news first: what it brings is not sent straight back on the ack.
    if (frame.news.length > 0) this.#ports.receive(peer, frame.news)
    // A retry of a probe we answered (our ack may be lost) gets the same news again.
    const link = this.#links.get(peer)
    const news = link?.acked !== undefined && link.acked.seq === frame.seq ? link.acked.news : this.#ports.news(peer)
    if (link !== undefined) link.acked = { seq: frame.seq, news }
    this.#ctx.send(peer, { type: FrameType.ProbeAck, room: this.#ctx.room, seq: frame.seq, news })
  }

  onProbeAck(peer: PeerId, frame: ProbeAckFrame): void {
    const probe = this.#probes.get(frame.seq)
    if (probe !== undefined && probe.target === peer) this.#answered(probe, probe.attempts === 1)
    if (frame.news.length > 0) this.#ports.receive(peer, frame.news)
  }

  /** A neighbour asks us to probe `target` for it. */
  onProbeRequest(peer: PeerId, frame: ProbeRequestFrame): void {
    const link = this.#links.get(frame.target)
    if (link === undefined || frame.target === peer) {
      this.#report(peer, frame.seq, frame.target, ProbeResult.NoLink)
      return
    }
    // Lifeguard's helpers nack at 80% of the requester's timeout; ours is a period.
    this.#begin(frame.target, link, 0.8 * this.#config.probeMs, { requester: peer, seq: frame.seq })
  }

  onProbeReport(peer: PeerId, frame: ProbeReportFrame): void {
    const probe = this.#probes.get(frame.seq)
    if (probe === undefined || probe.target !== frame.target || !probe.asked.includes(peer)) return
    probe.answered++
    if (frame.result === ProbeResult.Alive) this.#answered(probe, false)
  }

  // ---- probing ----------------------------------------------------------------------

  #period(lateness: number): void {
    // A late period is evidence too (it never defers: starting probes decides nothing).
    this.health.late(lateness)
    const now = this.#ctx.clock.now()
    const silence = this.#config.probeMs * this.health.factor()
    for (const [peer, link] of this.#links) {
      if (link.neighbour && link.probe === undefined && now - link.lastHeard >= silence) this.#begin(peer, link, silence)
    }
    this.health.periodEnd()
    this.#timer = this.#after(this.#config.probeMs, (later) => this.#period(later))
  }

  /** Starts a probe of `target` that concludes after `span` ms. */
  #begin(target: PeerId, link: LinkState, span: number, relay?: Probe['relay']): void {
    if (link.probe !== undefined && relay === undefined) return
    const now = this.#ctx.clock.now()
    const probe: Probe = { seq: this.#nextSeq(), target, startedAt: now, attempts: 0, deadline: now + span, timer: undefined, asked: [], askedAt: 0, answered: 0 }
    if (relay !== undefined) probe.relay = relay
    else {
      link.probe = probe
      this.#ctx.stats.probesSent++
    }
    this.#probes.set(probe.seq, probe)
    this.#attempt(probe)
  }

  /** Sends one attempt and arms the next step: another attempt, or the deadline. */
  #attempt(probe: Probe): void {
    probe.attempts++
    probe.news ??= this.#ports.news(probe.target)
    this.#ctx.send(probe.target, { type: FrameType.Probe, room: this.#ctx.room, seq: probe.seq, news: probe.news })
    if (probe.attempts === 2 && probe.relay === undefined) this.#askHelpers(probe)
    const next = this.#ctx.clock.now() + ackTimeout(this.#links.get(probe.target), this.#config.probeMs, this.health.factor())
    if (next < probe.deadline) probe.timer = this.#after(next - this.#ctx.clock.now(), (lateness) => this.#step(probe, lateness, true))
    else probe.timer = this.#after(probe.deadline - this.#ctx.clock.now(), (lateness) => this.#step(probe, lateness, false))
  }

  #step(probe: Probe, lateness: number, retry: boolean): void {
    probe.timer = undefined
    if (!this.#probes.has(probe.seq)) return
    // Late: our loop was blocked, and the answer may be queued behind this timer. Let it run first.
    if (this.health.late(lateness)) {
      probe.deadline = Math.max(probe.deadline, this.#ctx.clock.now() + LATE_MS * this.health.factor())
      probe.timer = this.#after(LATE_MS, (later) => this.#step(probe, later, retry))
      return
    }
    if (retry) {
      this.#attempt(probe)
      return
    }
    this.#end(probe)
    if (probe.relay !== undefined) {
      this.#report(probe.relay.requester, probe.relay.seq, probe.target, ProbeResult.Nack)
      return
    }
    if (probe.asked.length > 0 && probe.answered === 0) this.#awaitNacks(probe)
    this.#ports.suspect(probe.target)
  }

  /**
   * Lifeguard's missed nacks: a helper nacks 0.8 periods after it was asked, which is after
   * our deadline (helpers are asked at the second attempt), so the helpers get until a period
   * after they were asked (stretched by local health). If none answered by then, the silent
   * one is probably us.
   */
  #awaitNacks(probe: Probe): void {
    probe.closed = true
    this.#probes.set(probe.seq, probe)
    const wait = probe.askedAt + this.#config.probeMs * this.health.factor() - this.#ctx.clock.now()
    probe.timer = this.#after(wait, () => {
      this.#end(probe)
      if (probe.answered === 0) this.health.raise()
    })
  }

  #answered(probe: Probe, sample: boolean): void {
    if (!this.#probes.has(probe.seq)) return
    if (probe.closed === true) {
      probe.answered++
      return
    }
    this.#end(probe)
    if (probe.relay !== undefined) {
      this.#report(probe.relay.requester, probe.relay.seq, probe.target, ProbeResult.Alive)
      return
    }
    this.health.succeeded()
    const link = this.#links.get(probe.target)
    if (sample && link !== undefined) sampleRtt(link, this.#ctx.clock.now() - probe.startedAt, this.#config.probeMs)
  }

  #end(probe: Probe): void {
    if (probe.timer !== undefined) this.#ctx.clock.clearTimeout(probe.timer)
    probe.timer = undefined
    this.#probes.delete(probe.seq)
    const link = this.#links.get(probe.target)
    if (link?.probe === probe) link.probe = undefined
  }

  #askHelpers(probe: Probe): void {
    const known = new Set(this.#ports.linksOf(probe.target))
    const candidates = [...this.#links.entries()].filter(([peer, link]) => link.neighbour && peer !== probe.target).map(([peer]) => peer)
    // Neighbours known to reach the target first, then others at random.
    const linked = candidates.filter((peer) => known.has(peer))
    const others = candidates.filter((peer) => !known.has(peer))
    const helpers = [...sample(this.#ctx.random, linked, this.#config.helpers), ...sample(this.#ctx.random, others, this.#config.helpers)].slice(0, this.#config.helpers)
    probe.asked = helpers
    probe.askedAt = this.#ctx.clock.now()
    if (helpers.length > 0) this.#ctx.sendMany(helpers, { type: FrameType.ProbeRequest, room: this.#ctx.room, seq: probe.seq, target: probe.target })
  }

  #report(peer: PeerId, seq: number, target: PeerId, result: ProbeReportFrame['result']): void {
    this.#ctx.send(peer, { type: FrameType.ProbeReport, room: this.#ctx.room, seq, target, result })
  }

  #nextSeq(): number {
    this.#seq = (this.#seq + 1) % Number.MAX_SAFE_INTEGER
    return this.#seq
  }

  /** A timer whose callback learns how late it fired (event-loop lag). */
  #after(ms: number, fn: (lateness: number) => void): TimerHandle {
    const due = this.#ctx.clock.now() + Math.max(0, ms)
    return this.#ctx.clock.setTimeout(() => fn(this.#ctx.clock.now() - due), ms)
  }
}
