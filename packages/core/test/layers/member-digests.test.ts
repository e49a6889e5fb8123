/**
 * Digest repair of the member table (member-digests.ts): every ten periods a neighbour gets
 * versions, not records; a digest is answered with the records we hold newer and a pull of
 * the parts the sender holds newer; a pull is answered once, only for the keys offered and
 * only with the parts asked for; digests and requests for everything are paced per link, so
 * they cannot make a peer send much more than it receives.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { DIGEST_SAMPLE } from '../../src/layers/member-digests.js'
import type { Members } from '../../src/layers/members.js'
import { memberKey } from '../../src/protocol/member-digest.js'
import { FrameType } from '../../src/protocol/messages.js'
import { PullPart, type MemberDigestEntry } from '../../src/protocol/member-digest.js'
import type { MemberHealthRecord, MemberMetaRecord, MemberRecord, MembersFrame } from '../../src/protocol/messages-members.js'
import { RecordingContext, type Sent } from '../support/layer-harness.js'
import { membersOn, stateRecord as state } from '../support/members-harness.js'

const PROBE_MS = 1000
const EMPTY = new Uint8Array(0)
const ALL = PullPart.State | PullPart.Meta | PullPart.Health

let ctx: RecordingContext
let members: Members

const meta = (peer: string, version: number): MemberMetaRecord => ({ kind: 'meta', peer, version, entries: [{ key: 'role', version, value: '"editor"' }], signature: EMPTY })
const health = (peer: string, seq: number): MemberHealthRecord => ({ kind: 'health', peer, seq, score: 0, lagMs: 0, queued: 0, budget: 0, links: [], checks: [], signature: EMPTY })
const digestEntry = (peer: string, status: MemberDigestEntry['status'], incarnation: number, metaVersion = 0, healthSeq = 0): MemberDigestEntry => ({ key: memberKey(peer), status, incarnation, metaVersion, healthSeq })
const digest = (...entries: MemberDigestEntry[]) => ({ type: FrameType.MembersDigest, room: '', entries }) as const

/** Records of the Members frames among `sent`, with their targets. */
const recordsIn = (sent: Sent[]): { peer: string; record: MemberRecord }[] =>
  sent.flatMap(({ peer, frame }) => (frame.type === FrameType.Members ? frame.records.map((record) => ({ peer, record })) : []))
/** The pulls among `sent`. */
const pullsIn = (sent: Sent[]) => sent.flatMap(({ frame }) => (frame.type === FrameType.MembersPull ? [frame.wants] : []))

beforeEach(async () => {
  ctx = new RecordingContext()
  members = membersOn(ctx, 'me', () => ['a'], { refreshPerPeriod: 0.01 })
  members.start()
  members.receive('a', [state('a', 'alive', 0), state('b', 'alive', 3), meta('b', 2), health('b', 5), state('c', 'alive', 1)])
  await ctx.clock.advance(100)
  ctx.take()
})

/** Advances to this peer's next digest and returns it (everything else sent is dropped). */
async function nextDigest(): Promise<MemberDigestEntry[]> {
  await ctx.clock.advance(10 * PROBE_MS)
  const sent = ctx.take()
  const digests = sent.filter((s) => s.frame.type === FrameType.MembersDigest)
  expect(digests).toHaveLength(1)
  // No records of the table went out (our own first health record, published meanwhile, may).
  expect(recordsIn(sent).filter(({ record }) => record.peer !== 'me')).toEqual([])
  const frame = (digests[0] as Sent).frame
  return frame.type === FrameType.MembersDigest ? frame.entries : []
}

describe('member digests', () => {
  it('every ten periods a neighbour gets a digest (this peer first, then a sample of the table) and no records', async () => {
    const entries = await nextDigest()
    expect(entries[0]).toMatchObject({ key: memberKey('me'), status: 'alive' })
    expect(entries.slice(1)).toEqual(expect.arrayContaining([digestEntry('a', 'alive', 0), digestEntry('b', 'alive', 3, 2, 5), digestEntry('c', 'alive', 1)]))
    expect(entries.length).toBeLessThanOrEqual(1 + DIGEST_SAMPLE)
  })

  it('a digest gets back the records we hold newer, and a pull of just the parts the sender holds newer', () => {
    members.digests.onDigest(
      'a',
      digest(
        digestEntry('b', 'alive', 2, 3, 4), // we hold b's newer state and health (corrected); its metadata is newer (pulled)
        digestEntry('c', 'suspect', 1), // a stronger status at the same incarnation: its state is pulled
        digestEntry('d', 'alive', 0), // never seen: everything is pulled
        digestEntry('e', 'failed', 4), // never seen, and not alive: nothing (members enter by their own alive)
        digestEntry('a', 'alive', 0), // equal: nothing
      ),
    )
    const sent = ctx.take()
    expect(recordsIn(sent).map(({ peer, record }) => [peer, record.kind, record.peer])).toEqual([
      ['a', 'state', 'b'],
      ['a', 'health', 'b'],
    ])
    expect(pullsIn(sent)).toEqual([
      [
        { key: memberKey('b'), parts: PullPart.Meta },
        { key: memberKey('c'), parts: PullPart.State },
        { key: memberKey('d'), parts: ALL },
      ],
    ])
  })

  it('a digest behind on this peer gets our alive; a claim about us, or an alive above ours, is pulled (and then risen above)', async () => {
    members.digests.onDigest('a', digest(digestEntry('me', 'alive', 0)))
    expect(recordsIn(ctx.take())).toEqual([])
    await ctx.clock.advance(5 * PROBE_MS)
    members.digests.onDigest('a', digest(digestEntry('me', 'suspect', 0)))
    expect(pullsIn(ctx.take())).toEqual([[{ key: memberKey('me'), parts: PullPart.State }]])
    // The pull brings the claim: we refute it with a higher incarnation, and a digest that still says 0 is corrected.
    members.receive('a', [state('me', 'suspect', 0, 'a')])
    await ctx.clock.advance(100)
    expect(members.listing.list()[0]?.incarnation).toBe(1)
    await ctx.clock.advance(5 * PROBE_MS)
    ctx.take()
    members.digests.onDigest('a', digest(digestEntry('me', 'alive', 0)))
    const corrected = recordsIn(ctx.take()).map(({ record }) => record)
    expect(corrected.filter((r) => r.kind === 'state')).toEqual([expect.objectContaining({ kind: 'state', peer: 'me', status: 'alive', incarnation: 1 })])
    // An alive above ours (an earlier life of ours said it) is pulled too.
    await ctx.clock.advance(5 * PROBE_MS)
    members.digests.onDigest('a', digest(digestEntry('me', 'alive', 9)))
    expect(pullsIn(ctx.take())).toEqual([[{ key: memberKey('me'), parts: PullPart.State }]])
  })

  it('a pull is answered once, only for offered keys and only with the parts asked for', async () => {
    await nextDigest()
    // x joins after the digest went out: its key was not offered.
    members.receive('a', [state('x', 'alive', 0)])
    await ctx.clock.advance(100)
    ctx.take()
    members.digests.onPull('a', {
      type: FrameType.MembersPull,
      room: '',
      wants: [
        { key: memberKey('b'), parts: PullPart.Meta | PullPart.Health },
        { key: memberKey('me'), parts: PullPart.State },
        { key: memberKey('x'), parts: ALL },
        { key: memberKey('b'), parts: ALL },
      ],
    })
    const answer = recordsIn(ctx.take())
    expect(answer.every(({ peer }) => peer === 'a')).toBe(true)
    expect(answer.map(({ record }) => [record.peer, record.kind])).toEqual([
      ['b', 'meta'],
      ['b', 'health'],
      ['me', 'state'],
    ])
    // Asked again, or by a peer we sent no digest: nothing.
    members.digests.onPull('a', { type: FrameType.MembersPull, room: '', wants: [{ key: memberKey('b'), parts: ALL }] })
    members.digests.onPull('x', { type: FrameType.MembersPull, room: '', wants: [{ key: memberKey('b'), parts: ALL }] })
    expect(recordsIn(ctx.take())).toEqual([])
  })

  it('an offer lapses when its link goes down', async () => {
    await nextDigest()
    members.down('a', false)
    members.digests.onPull('a', { type: FrameType.MembersPull, room: '', wants: [{ key: memberKey('b'), parts: ALL }] })
    expect(ctx.take()).toEqual([])
  })

  it('a neighbour gets at most one digest answered per half digest interval, and one answer to a request for everything per link', async () => {
    const stale = digest(digestEntry('b', 'alive', 0), digestEntry('c', 'alive', 0))
    members.digests.onDigest('a', stale)
    // b's state, metadata and health, c's state.
    expect(recordsIn(ctx.take())).toHaveLength(4)
    members.digests.onDigest('a', stale)
    await ctx.clock.advance(4 * PROBE_MS)
    members.digests.onDigest('a', stale)
    expect(recordsIn(ctx.take()).filter(({ record }) => record.peer !== 'me')).toEqual([])
    await ctx.clock.advance(PROBE_MS)
    members.digests.onDigest('a', stale)
    expect(recordsIn(ctx.take()).filter(({ record }) => record.peer !== 'me')).toHaveLength(4)
    // Requests for everything: answered once per link.
    const request: MembersFrame = { type: FrameType.Members, room: '', request: true, records: [] }
    members.onMembers('a', request)
    const table = recordsIn(ctx.take()).length
    expect(table).toBeGreaterThanOrEqual(5)
    members.onMembers('a', request)
    expect(recordsIn(ctx.take())).toEqual([])
    members.down('a', false)
    members.onMembers('a', request)
    expect(recordsIn(ctx.take())).toHaveLength(table)
  })

  it('a key two members share names neither: pulled for both, never resolved to one', async () => {
    // Two peer ids with one member key, found by search (32-bit keys collide after about 2^16 ids).
    const seen = new Map<number, string>()
    let pair: [string, string] | undefined
    for (let i = 0; pair === undefined; i++) {
      const id = `m${i}`
      const other = seen.get(memberKey(id))
      if (other !== undefined) pair = [other, id]
      else seen.set(memberKey(id), id)
    }
    const [p, q] = pair
    members.receive('a', [state(p, 'alive', 0), state(q, 'alive', 0), health('b', 6)])
    await ctx.clock.advance(100)
    members.digests.onDigest('a', digest(digestEntry(p, 'alive', 0)))
    expect(pullsIn(ctx.take())).toEqual([[{ key: memberKey(p), parts: ALL }]])
    // A health link naming that key is shown as nobody.
    members.receive('a', [{ ...health('b', 7), links: [{ key: memberKey(p), rttMs: 10 }, { key: memberKey('c'), rttMs: 20 }] }])
    await ctx.clock.advance(100)
    expect(members.listing.linksOf('b')).toEqual(['c'])
  })

  it('two tables converge through digests and pulls alone', async () => {
    // A second member that missed b's and c's news: our digest to it, its pull, our answer.
    const other = new RecordingContext()
    const peerB = membersOn(other, 'a', () => ['me'], { refreshPerPeriod: 0.01 })
    peerB.start()
    await other.clock.advance(100)
    other.take()
    const entries = await nextDigest()
    peerB.digests.onDigest('me', digest(...entries))
    const pulls = pullsIn(other.take())
    expect(pulls).toHaveLength(1)
    expect((pulls[0] ?? []).map((w) => w.key)).toEqual(expect.arrayContaining([memberKey('me'), memberKey('b'), memberKey('c')]))
    members.digests.onPull('a', { type: FrameType.MembersPull, room: '', wants: pulls[0] ?? [] })
    peerB.receive('me', recordsIn(ctx.take()).map(({ record }) => record))
    await other.clock.advance(100)
    const known = Object.fromEntries(peerB.listing.list().map((m) => [m.peerId, m.incarnation]))
    expect(known).toMatchObject({ me: 0, b: 3, c: 1 })
    expect(peerB.listing.list().find((m) => m.peerId === 'b')?.meta).toEqual({ role: 'editor' })
    peerB.stop()
  })
})
