/**
 * The failure detector, event in and actions out on a virtual clock: a silent neighbour is
 * probed once per period, retried every ack timeout, helpers are asked at the second attempt,
 * and an unanswered probe makes the target suspect at its deadline; an ack or any frame ends
 * the probe; a helper probes on request and reports; local health stretches timeouts and a
 * late timer (a starved peer) waits for its input instead of blaming the neighbour.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { FailureDetector, type FailureDetectorPorts } from '../../src/layers/failure-detector.js'
import { FrameType } from '../../src/protocol/messages.js'
import { ProbeResult, type MemberRecord } from '../../src/protocol/messages-members.js'
import type { LayerContext } from '../../src/engine/context.js'
import { RecordingContext } from '../support/layer-harness.js'
import { stallingClock } from '../support/stalling-clock.js'

const PROBE_MS = 1000

let ctx: RecordingContext
let suspects: string[]
let received: { peer: string; records: readonly MemberRecord[] }[]
let links: Record<string, string[]>
let detector: FailureDetector
/** Calls of the `news` port. */
let newsCalls: number

/** The context as a CPU-starved peer sees it (see stallingClock). */
function stalling(inner: RecordingContext, stall: { end: number }): LayerContext {
  return Object.create(inner, { clock: { value: stallingClock(inner.clock, stall) } }) as LayerContext
}

function build(localHealth = true, stall?: { end: number }): void {
  ctx = new RecordingContext()
  suspects = []
  received = []
  links = {}
  newsCalls = 0
  const ports: FailureDetectorPorts = {
    suspect: (peer) => suspects.push(peer),
    news: (peer) => (newsCalls++, peer === 'a' ? [{ kind: 'state', peer: 'a', status: 'suspect', incarnation: 0, by: 'me', signature: new Uint8Array(0) }] : []),
    receive: (peer, records) => received.push({ peer, records }),
    linksOf: (peer) => links[peer] ?? [],
  }
  detector = new FailureDetector(stall === undefined ? ctx : stalling(ctx, stall), { probeMs: PROBE_MS, helpers: 2, localHealth, maxHealthScore: 8 }, ports)
}

/** Starts the periods with the first at `first` ms (the random phase is queued). */
function start(first = 0): void {
  ctx.random.queue(first / PROBE_MS)
  detector.start()
}

beforeEach(() => build())

describe('failure detector', () => {
  it('probes a neighbour silent for a period, with news for it (the buddy system), and not a transient link', async () => {
    detector.up('a', true)
    detector.up('t', false)
    start(10)
    await ctx.clock.advance(500)
    expect(ctx.take()).toEqual([])
    await ctx.clock.advance(600)
    const probes = ctx.takeOf(FrameType.Probe)
    expect(probes.map((p) => p.peer)).toEqual(['a'])
    expect(probes[0]?.frame.news[0]).toMatchObject({ peer: 'a', status: 'suspect' })
    expect(ctx.stats.probesSent).toBe(1)
  })

  it("retries of a probe carry the first attempt's news (that attempt or its ack may be lost); news is taken once per probe", async () => {
    detector.up('a', true)
    start(1000)
    await ctx.clock.advance(1000)
    await ctx.clock.advance(450)
    const attempts = ctx.takeOf(FrameType.Probe).filter((p) => p.peer === 'a')
    expect(attempts.length).toBeGreaterThan(1)
    for (const attempt of attempts) expect(attempt.frame.news).toBe(attempts[0]?.frame.news)
    expect(newsCalls).toBe(1)
  })

  it("a probe's news is taken in before the ack is built, and a repeated probe (same seq) gets the same ack news", () => {
    detector.up('a', true)
    const order: string[] = []
    const news: MemberRecord[] = [{ kind: 'state', peer: 'x', status: 'alive', incarnation: 3, by: '', signature: new Uint8Array(0) }]
    const recorded = ctx.send.bind(ctx)
    ctx.send = (peer, frame) => {
      order.push(`send ${frame.type}`)
      recorded(peer, frame)
    }
    const before = received.length
    const origReceive = received.push.bind(received)
    received.push = (...items) => {
      order.push('receive')
      return origReceive(...items)
    }
    detector.onProbe('a', { type: FrameType.Probe, room: '', seq: 5, news })
    detector.onProbe('a', { type: FrameType.Probe, room: '', seq: 5, news: [] })
    expect(order[0]).toBe('receive')
    expect(received.length).toBe(before + 1)
    const acks = ctx.takeOf(FrameType.ProbeAck)
    expect(acks).toHaveLength(2)
    expect(acks[1]?.frame.news).toBe(acks[0]?.frame.news)
    expect(newsCalls).toBe(1)
    detector.onProbe('a', { type: FrameType.Probe, room: '', seq: 6, news: [] })
    expect(newsCalls).toBe(2)
  })

  it('an ack ends the probe and samples the RTT; piggybacked news goes to the members layer', async () => {
    detector.up('a', true)
    start(1000)
    await ctx.clock.advance(1000)
    const [probe] = ctx.takeOf(FrameType.Probe)
    await ctx.clock.advance(80)
    detector.onProbeAck('a', { type: FrameType.ProbeAck, room: '', seq: probe!.frame.seq, news: [] })
    expect(detector.probing('a')).toBe(false)
    expect(detector.rtt('a')).toBe(80)
    await ctx.clock.advance(900) // up to the next period: the probe concluded nothing
    expect(suspects).toEqual([])
    const news: MemberRecord = { kind: 'state', peer: 'x', status: 'alive', incarnation: 2, by: '', signature: new Uint8Array(0) }
    detector.onProbeAck('a', { type: FrameType.ProbeAck, room: '', seq: 12345, news: [news] })
    expect(received).toEqual([{ peer: 'a', records: [news] }])
  })

  it('retries every ack timeout, asks helpers (those linked to the target first) at the second attempt, and suspects at the deadline', async () => {
    for (const peer of ['a', 'b', 'c', 'd']) detector.up(peer, true)
    links['a'] = ['d']
    start(1000)
    // b, c and d are heard all the time; only a is silent.
    const hear = (): void => ['b', 'c', 'd'].forEach((p) => detector.heard(p))
    await ctx.clock.advance(500)
    hear()
    await ctx.clock.advance(500)
    expect(ctx.takeOf(FrameType.Probe).map((p) => p.peer)).toEqual(['a'])
    hear()
    await ctx.clock.advance(200) // no RTT sample yet: the ack timeout is a fifth of a period
    const second = ctx.take()
    expect(second.filter((s) => s.frame.type === FrameType.Probe).map((s) => s.peer)).toEqual(['a'])
    const asked = second.filter((s) => s.frame.type === FrameType.ProbeRequest).map((s) => s.peer)
    expect(asked).toHaveLength(2)
    expect(asked).toContain('d')
    hear()
    await ctx.clock.advance(790)
    expect(suspects).toEqual([])
    expect(ctx.takeOf(FrameType.Probe)).toHaveLength(3) // attempts at 1.4, 1.6 and 1.8 s
    await ctx.clock.advance(10)
    expect(suspects).toEqual(['a'])
  })

  it('any frame from the target ends its probe, and a helper reporting it alive does too', async () => {
    detector.up('a', true)
    detector.up('b', true)
    start(1000)
    await ctx.clock.advance(1000)
    ctx.take()
    await ctx.clock.advance(10)
    detector.heard('a')
    expect(detector.probing('a')).toBe(false)
    // b stays silent: a, asked at the second attempt, reports b alive.
    await ctx.clock.advance(190)
    const second = ctx.take()
    const probe = second.find((s) => s.frame.type === FrameType.Probe && s.peer === 'b') as { frame: { seq: number } } | undefined
    expect(second.filter((s) => s.frame.type === FrameType.ProbeRequest).map((s) => s.peer)).toEqual(['a'])
    await ctx.clock.advance(100)
    detector.onProbeReport('a', { type: FrameType.ProbeReport, room: '', seq: probe!.frame.seq, target: 'b', result: ProbeResult.Alive })
    expect(detector.probing('b')).toBe(false)
    await ctx.clock.advance(700) // past the first probe's deadline (2 s)
    expect(suspects).toEqual([])
  })

  it('as a helper: probes the target and reports alive, or nack at 80% of a period, or no link at once', async () => {
    detector.up('r', true)
    detector.up('t', true)
    detector.onProbeRequest('r', { type: FrameType.ProbeRequest, room: '', seq: 7, target: 'nobody' })
    expect(ctx.takeOf(FrameType.ProbeReport)).toEqual([{ peer: 'r', frame: { type: FrameType.ProbeReport, room: 'r', seq: 7, target: 'nobody', result: ProbeResult.NoLink } }])
    detector.onProbeRequest('r', { type: FrameType.ProbeRequest, room: '', seq: 8, target: 't' })
    const [probe] = ctx.takeOf(FrameType.Probe)
    expect(probe?.peer).toBe('t')
    detector.onProbeAck('t', { type: FrameType.ProbeAck, room: '', seq: probe!.frame.seq, news: [] })
    expect(ctx.takeOf(FrameType.ProbeReport).map((r) => r.frame.result)).toEqual([ProbeResult.Alive])
    detector.onProbeRequest('r', { type: FrameType.ProbeRequest, room: '', seq: 9, target: 't' })
    await ctx.clock.advance(800)
    expect(ctx.takeOf(FrameType.ProbeReport).map((r) => [r.frame.seq, r.frame.result])).toEqual([[9, ProbeResult.Nack]])
    expect(suspects).toEqual([])
  })

  it('answers a probe with an ack of the same seq and hands its news over', () => {
    const news: MemberRecord = { kind: 'state', peer: 'z', status: 'left', incarnation: 1, by: '', signature: new Uint8Array(0) }
    detector.onProbe('a', { type: FrameType.Probe, room: '', seq: 99, news: [news] })
    expect(ctx.takeOf(FrameType.ProbeAck).map((a) => [a.peer, a.frame.seq])).toEqual([['a', 99]])
    expect(received).toEqual([{ peer: 'a', records: [news] }])
  })

  it('a late deadline (this peer was stalled) waits for the queued answer with local health, and suspects without it', async () => {
    for (const localHealth of [true, false]) {
      const stall = { end: 0 }
      build(localHealth, stall)
      detector.up('a', true)
      start(1000)
      await ctx.clock.advance(1000)
      const [probe] = ctx.takeOf(FrameType.Probe)
      // A 3 s stall: every timer due meanwhile fires at its end, late, before the ack that
      // arrived during the stall is handled (as an event loop does after a long task).
      stall.end = ctx.clock.now() + 3000
      await ctx.clock.advance(3000)
      detector.onProbeAck('a', { type: FrameType.ProbeAck, room: '', seq: probe!.frame.seq, news: [] })
      await ctx.clock.advance(100)
      expect(suspects, `local health ${localHealth}`).toEqual(localHealth ? [] : ['a'])
      expect(detector.health.score).toBeGreaterThan(0)
    }
  })

  it('local health stretches the timeouts by 1 + score and decays after periods of good probes', async () => {
    detector.up('a', true)
    start(1000)
    detector.health.raise(3)
    await ctx.clock.advance(1000)
    expect(ctx.takeOf(FrameType.Probe)).toEqual([]) // silence needs 4 periods now
    await ctx.clock.advance(3000)
    const [probe] = ctx.takeOf(FrameType.Probe)
    expect(probe?.peer).toBe('a')
    await ctx.clock.advance(799) // the ack timeout is 4 × 200 ms
    expect(ctx.takeOf(FrameType.Probe)).toEqual([])
    await ctx.clock.advance(1)
    expect(ctx.takeOf(FrameType.Probe)).toHaveLength(1)
    detector.onProbeAck('a', { type: FrameType.ProbeAck, room: '', seq: probe!.frame.seq, news: [] })
    const before = detector.health.score
    await ctx.clock.advance(2000)
    expect(detector.health.score).toBeLessThan(before)
  })

  it('a probe nobody we asked answered at all raises our own health score (missed nacks), once the helpers had their period', async () => {
    for (const nack of [false, true]) {
      build()
      detector.up('a', true)
      detector.up('b', true)
      start(1000)
      await ctx.clock.advance(1001)
      detector.heard('b')
      await ctx.clock.advance(999)
      // Suspected at the deadline; the helper (asked at the second attempt) nacks 0.8 periods after it was asked, later.
      expect(suspects).toEqual(['a'])
      const [request] = ctx.takeOf(FrameType.ProbeRequest)
      expect(detector.health.score).toBe(0)
      if (nack) detector.onProbeReport('b', { type: FrameType.ProbeReport, room: '', seq: request!.frame.seq, target: 'a', result: ProbeResult.Nack })
      await ctx.clock.advance(500)
      expect(detector.health.score, `nack ${nack}`).toBe(nack ? 0 : 1)
    }
  })

  it('forgets a peer that went down, with its probe', async () => {
    detector.up('a', true)
    start(1000)
    await ctx.clock.advance(1000)
    detector.down('a')
    await ctx.clock.advance(5000)
    expect([suspects, detector.probing('a'), detector.links()]).toEqual([[], false, []])
  })
})
