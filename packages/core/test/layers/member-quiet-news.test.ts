/**
 * Quiet news, counted: a routine self-refresh (an `alive` whose only change is a higher
 * incarnation) rides on probes and acks only, a fixed number of times at each peer that
 * learns it, and every receiver passes it on the same way; joins, refutations and claims
 * still flood to every neighbour but their source, and so does every refresh while a mass
 * failure's sweep is pending.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { NewsOutbox, QUIET_TIMES } from '../../src/layers/member-news.js'
import { Members } from '../../src/layers/members.js'
import { FrameType } from '../../src/protocol/messages.js'
import type { HealthCheckRecord, MemberHealthRecord, MemberRecord } from '../../src/protocol/messages-members.js'
import { RecordingContext } from '../support/layer-harness.js'
import { membersOn, stateRecord } from '../support/members-harness.js'

const PROBE_MS = 1000

let ctx: RecordingContext
let members: Members

const state = stateRecord
const health = (peer: string, seq: number, score: number, checks: HealthCheckRecord[] = []): MemberHealthRecord => ({
  kind: 'health', peer, seq, score, lagMs: 0, queued: 0, budget: 0, links: [], checks, signature: new Uint8Array(0),
})

/** Members records sent so far (taken from the context), by target. */
function sentRecords(): { peer: string; record: MemberRecord }[] {
  return ctx.takeOf(FrameType.Members).flatMap(({ peer, frame }) => frame.records.map((record) => ({ peer, record })))
}

/** How often `record` (by peer and incarnation) rides on the next `probes` probes or acks, each to a peer of `targets` in turn (default: a fresh peer each). */
function piggybacked(peer: string, incarnation: number, probes: number, targets?: readonly string[]): number {
  let count = 0
  for (let i = 0; i < probes; i++) {
    const target = targets === undefined ? `t${i}` : (targets[i % targets.length] as string)
    count += members.news(target).filter((r) => r.kind === 'state' && r.peer === peer && r.incarnation === incarnation && r.status === 'alive').length
  }
  return count
}

beforeEach(async () => {
  ctx = new RecordingContext()
  members = membersOn(ctx, 'me', () => ['a', 'b', 'c'])
  members.start()
  for (const peer of ['a', 'b', 'c', 'd']) members.receive('a', [state(peer, 'alive', 0)])
  await ctx.clock.advance(100)
  ctx.take()
  // Whatever the joins left to piggyback is spent.
  for (let i = 0; i < 20; i++) members.news(`spent${i}`)
})

describe('quiet member news', () => {
  it('a received refresh is not flooded: it rides on exactly QUIET_TIMES probes or acks, once learnt', async () => {
    members.receive('b', [state('d', 'alive', 1)])
    await ctx.clock.advance(100)
    expect(sentRecords().filter(({ record }) => record.peer === 'd')).toEqual([])
    expect(piggybacked('d', 1, 20)).toBe(QUIET_TIMES)
    // The same refresh again is no news: it is not passed on a second time.
    members.receive('c', [state('d', 'alive', 1)])
    await ctx.clock.advance(100)
    expect(piggybacked('d', 1, 20)).toBe(0)
    expect(members.listing.list().find((m) => m.peerId === 'd')).toMatchObject({ status: 'alive', incarnation: 1 })
  })

  it('news rides only to peers not known to hold it: not back to its source, not to a peer that sent it again, never twice to one peer', async () => {
    members.receive('b', [state('d', 'alive', 1)])
    await ctx.clock.advance(100)
    // b sent it; c sends the same news again: both hold it.
    members.receive('c', [state('d', 'alive', 1)])
    expect(piggybacked('d', 1, 12, ['b', 'c'])).toBe(0)
    // a gets it once, however many probes go to a.
    expect(piggybacked('d', 1, 12, ['a', 'b', 'c'])).toBe(1)
    // Fresh peers still get the remaining copies.
    expect(piggybacked('d', 1, 20)).toBe(QUIET_TIMES - 1)
  })

  it('joins, claims and refutations still flood to every neighbour but their source', async () => {
    members.receive('b', [state('e', 'alive', 0)])
    await ctx.clock.advance(100)
    expect(sentRecords().filter(({ record }) => record.peer === 'e').map((s) => s.peer).sort()).toEqual(['a', 'c'])
    members.receive('b', [state('d', 'suspect', 0, 'b')])
    await ctx.clock.advance(100)
    expect(sentRecords().filter(({ record }) => record.peer === 'd').map((s) => s.peer).sort()).toEqual(['a', 'c'])
    // d refutes: alive over suspect is a refutation, not a refresh.
    members.receive('c', [state('d', 'alive', 1)])
    await ctx.clock.advance(100)
    const refutation = sentRecords().filter(({ record }) => record.peer === 'd')
    expect(refutation.map((s) => s.peer).sort()).toEqual(['a', 'b'])
    expect(refutation[0]?.record).toMatchObject({ status: 'alive', incarnation: 1 })
  })

  it("a refresh of a member that then fails stops riding (its claim still does), so a newcomer never hears it alive after it was reaped", async () => {
    members.receive('b', [state('d', 'alive', 1)])
    await ctx.clock.advance(100)
    // a and c get it once each (b sent it); then every neighbour holds it, and its sends are left for newcomers.
    expect(piggybacked('d', 1, 6, ['a', 'b', 'c'])).toBe(2)
    members.receive('b', [state('d', 'failed', 1, 'b')])
    await ctx.clock.advance(100)
    const toNewcomer = members.news('newcomer').filter((r) => r.peer === 'd')
    expect(toNewcomer.map((r) => r.kind === 'state' && r.status)).toEqual(['failed'])
    expect(piggybacked('d', 1, 20)).toBe(0)
    // Reaped (30 s): nothing about d rides any more, and a late newcomer hears nothing alive.
    await ctx.clock.advance(31_000)
    expect(members.listing.list().some((m) => m.peerId === 'd')).toBe(false)
    expect(piggybacked('d', 1, 20)).toBe(0)
  })

  it('after a mass failure, until its sweep, a received refresh floods (it may be a "still here" the sweep must not miss)', async () => {
    for (const peer of ['e', 'f', 'g']) members.receive('a', [state(peer, 'alive', 0)])
    await ctx.clock.advance(100)
    ctx.take()
    // Three of eight members fail at once: a mass failure.
    for (const peer of ['e', 'f', 'g']) members.receive('b', [state(peer, 'failed', 0, 'b')])
    await ctx.clock.advance(100)
    ctx.take()
    members.receive('b', [state('d', 'alive', 1)])
    await ctx.clock.advance(100)
    expect(sentRecords().filter(({ record }) => record.peer === 'd').map((s) => s.peer).sort()).toEqual(['a', 'c'])
    // Once the sweep ran, refreshes are quiet again.
    await ctx.clock.advance(5 * PROBE_MS)
    ctx.take()
    members.receive('b', [state('d', 'alive', 2)])
    await ctx.clock.advance(100)
    expect(sentRecords().filter(({ record }) => record.peer === 'd' && record.kind === 'state' && record.incarnation === 2)).toEqual([])
  })

  it("this peer's own refresh rides on probes and acks, never in a Members frame (the periodic digest names versions, not records)", async () => {
    // With one refresh per period and four live members, a refresh is due every 10 to 13 periods.
    let sent: { peer: string; record: MemberRecord }[] = []
    let incarnation = 0
    for (let period = 0; period < 15 && incarnation === 0; period++) {
      await ctx.clock.advance(PROBE_MS)
      sent = [...sent, ...sentRecords()]
      incarnation = members.listing.list()[0]?.incarnation ?? 0
    }
    expect(incarnation).toBe(1)
    const floods = sent.filter(({ record }) => record.kind === 'state' && record.peer === 'me' && record.incarnation === 1)
    expect(floods).toEqual([])
    expect(piggybacked('me', 1, 20)).toBe(QUIET_TIMES)
  })

  it('health drift (a new score, the same check states) rides on probes and acks; a first record and a check that changed state flood', async () => {
    const ok: HealthCheckRecord[] = [{ name: 'disk', status: 0, output: '' }]
    const floodedTo = (seq: number): string[] =>
      sentRecords()
        .filter(({ record }) => record.kind === 'health' && record.peer === 'd' && record.seq === seq)
        .map((s) => s.peer)
        .sort()
    const rides = (seq: number): number => {
      let count = 0
      for (let i = 0; i < 20; i++) count += members.news(`h${seq}-${i}`).filter((r) => r.kind === 'health' && r.seq === seq).length
      return count
    }
    members.receive('b', [health('d', 1, 0, ok)])
    await ctx.clock.advance(100)
    expect(floodedTo(1)).toEqual(['a', 'c'])
    members.receive('b', [health('d', 2, 3, ok)])
    await ctx.clock.advance(100)
    expect(floodedTo(2)).toEqual([])
    expect(rides(2)).toBe(QUIET_TIMES)
    expect(members.listing.list().find((m) => m.peerId === 'd')?.health).toMatchObject({ score: 3 })
    members.receive('b', [health('d', 3, 3, [{ name: 'disk', status: 2, output: 'full' }])])
    await ctx.clock.advance(100)
    expect(floodedTo(3)).toEqual(['a', 'c'])
  })

  it("this peer's own health: the first record floods; a changed score waits for the next refresh and rides on probes and acks with it", async () => {
    const own = new RecordingContext()
    let score = 0
    const peer = membersOn(own, 'me', () => ['a', 'b'], {}, { local: () => ({ score, lagMs: 0, links: [] }) })
    peer.start()
    const floods = (): number[] =>
      own
        .takeOf(FrameType.Members)
        .flatMap(({ frame }) => frame.records)
        .flatMap((r) => (r.kind === 'health' && r.peer === 'me' ? [r.seq] : []))
    await own.clock.advance(5 * PROBE_MS)
    const first = floods()
    expect(first.length).toBeGreaterThan(0)
    score = 4
    await own.clock.advance(15 * PROBE_MS)
    expect(floods()).toEqual([])
    const rode = Array.from({ length: 10 }, (_, i) => peer.news(`r${i}`)).flat()
    expect(rode.some((r) => r.kind === 'health' && r.peer === 'me' && r.score === 4)).toBe(true)
    peer.stop()
  })

  it('claims of one suspicion by different accusers are different news: each rides to a peer that holds only the other', async () => {
    members.receive('a', [state('d', 'suspect', 0, 'a')])
    members.receive('b', [state('d', 'suspect', 0, 'b')])
    await ctx.clock.advance(100)
    // x sent us a's claim: it holds that one, not b's.
    members.receive('x', [state('d', 'suspect', 0, 'a')])
    const rode = members.news('x').filter((r) => r.kind === 'state' && r.peer === 'd')
    expect(rode.map((r) => (r.kind === 'state' ? r.by : ''))).toEqual(['b'])
  })

  it('health drift has a list of its own: a burst of it never pushes out a refresh, and a newer record of a member replaces its older one', () => {
    const outbox = new NewsOutbox(new RecordingContext(), 4096)
    outbox.push(state('r', 'alive', 7), 'a', true)
    for (let i = 0; i < 40; i++) outbox.push(health(`m${i}`, 2, 1), 'a', true)
    const first = outbox.piggyback(8, 't1')
    expect(first.some((r) => r.kind === 'state' && r.peer === 'r' && r.incarnation === 7)).toBe(true)
    // A newer refresh of r replaces the older: only incarnation 8 rides from now on.
    outbox.push(state('r', 'alive', 8), 'a', true)
    const later = Array.from({ length: 12 }, (_, i) => outbox.piggyback(8, `u${i}`)).flat()
    expect(later.filter((r) => r.kind === 'state' && r.peer === 'r').map((r) => (r.kind === 'state' ? r.incarnation : -1))).toEqual(Array(QUIET_TIMES).fill(8))
  })

  it("this peer's score waits for its refresh (then rides on probes and acks, links with it); a new set of links alone publishes nothing; a check that changed state floods", async () => {
    const own = new RecordingContext()
    let score = 0
    let links = [{ peer: 'a', rttMs: 40 }]
    let checks: HealthCheckRecord[] = [{ name: 'disk', status: 0, output: '' }]
    const peer = membersOn(own, 'me', () => ['a', 'b'], {}, { local: () => ({ score, lagMs: 0, links }), checks: () => checks })
    peer.start()
    await own.clock.advance(5 * PROBE_MS)
    own.take()
    const rides = (pred: (r: MemberHealthRecord) => boolean): boolean =>
      Array.from({ length: 4 }, (_, i) => peer.news(`p${own.clock.now()}-${i}`)).flat().some((r) => r.kind === 'health' && r.peer === 'me' && pred(r))
    const floodedHealth = (): MemberRecord[] => own.takeOf(FrameType.Members).flatMap(({ frame }) => frame.records).filter((r) => r.kind === 'health')
    score = 3
    const incarnation = peer.listing.list()[0]?.incarnation ?? 0
    let rode = false
    for (let period = 0; period < 16 && !rode; period++) {
      await own.clock.advance(PROBE_MS)
      rode = rides((r) => r.score === 3)
      if (!rode) expect(peer.listing.list()[0]?.incarnation).toBe(incarnation)
    }
    expect(rode).toBe(true)
    expect(peer.listing.list()[0]?.incarnation).toBeGreaterThan(incarnation)
    expect(floodedHealth()).toEqual([])
    // A new set of links alone publishes nothing; it travels with the next changed score.
    links = [...links, { peer: 'b', rttMs: 60 }]
    for (let period = 0; period < 16; period++) {
      await own.clock.advance(PROBE_MS)
      expect(rides((r) => r.links.length === 2)).toBe(false)
    }
    score = 5
    rode = false
    for (let period = 0; period < 16 && !rode; period++) {
      await own.clock.advance(PROBE_MS)
      rode = rides((r) => r.score === 5 && r.links.length === 2)
    }
    expect(rode).toBe(true)
    expect(floodedHealth()).toEqual([])
    checks = [{ name: 'disk', status: 2, output: 'full' }]
    await own.clock.advance(3 * PROBE_MS)
    const flooded = own.takeOf(FrameType.Members).flatMap(({ frame }) => frame.records)
    expect(flooded.some((r) => r.kind === 'health' && r.peer === 'me' && r.checks[0]?.status === 2)).toBe(true)
    // Its own view is live: a score that has not been published yet shows at once.
    score = 6
    expect(peer.listing.ownHealth()?.score).toBe(6)
    expect(peer.listing.list()[0]?.health?.score).not.toBe(6)
    peer.stop()
  })
})
