/**
 * Digest repair of the member table (member-digests.ts): every ten periods a neighbour gets
 * versions, not records; a digest is answered with the records we hold newer and a pull of
 * those the sender holds newer; a pull is answered once, and only for the keys offered.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { DIGEST_SAMPLE } from '../../src/layers/member-digests.js'
import { Members } from '../../src/layers/members.js'
import { memberKey } from '../../src/protocol/member-digest.js'
import { FrameType } from '../../src/protocol/messages.js'
import type { MemberDigestEntry, MemberHealthRecord, MemberMetaRecord, MemberRecord, MemberStateRecord } from '../../src/protocol/messages-members.js'
import { RecordingContext } from '../support/layer-harness.js'
import { membersOn, stateRecord } from '../support/members-harness.js'

const PROBE_MS = 1000
const EMPTY = new Uint8Array(0)

let ctx: RecordingContext
let members: Members

const state = stateRecord
const meta = (peer: string, version: number): MemberMetaRecord => ({ kind: 'meta', peer, version, entries: [{ key: 'role', version, value: '"editor"' }], signature: EMPTY })
const health = (peer: string, seq: number): MemberHealthRecord => ({ kind: 'health', peer, seq, score: 0, lagMs: 0, queued: 0, budget: 0, links: [], checks: [], signature: EMPTY })
const digestEntry = (peer: string, status: MemberStateRecord['status'], incarnation: number, metaVersion = 0, healthSeq = 0): MemberDigestEntry => ({ key: memberKey(peer), status, incarnation, metaVersion, healthSeq })

/** Records sent in Members frames since the last take, by target. */
function sentRecords(): { peer: string; record: MemberRecord }[] {
  return ctx.takeOf(FrameType.Members).flatMap(({ peer, frame }) => frame.records.map((record) => ({ peer, record })))
}

beforeEach(async () => {
  ctx = new RecordingContext()
  members = membersOn(ctx, 'me', () => ['a'], { refreshPerPeriod: 0.01 })
  members.start()
  members.receive('a', [state('a', 'alive', 0), state('b', 'alive', 3), meta('b', 2), health('b', 5), state('c', 'alive', 1)])
  await ctx.clock.advance(100)
  ctx.take()
})

describe('member digests', () => {
  it('every ten periods a neighbour gets a digest (this peer first, then a sample of the table) and no records', async () => {
    await ctx.clock.advance(10 * PROBE_MS)
    const digests = ctx.takeOf(FrameType.MembersDigest)
    expect(digests).toHaveLength(1)
    const { peer, frame } = digests[0] as (typeof digests)[number]
    expect(peer).toBe('a')
    expect(frame.entries[0]).toMatchObject({ key: memberKey('me'), status: 'alive' })
    expect(frame.entries.slice(1)).toEqual(expect.arrayContaining([digestEntry('a', 'alive', 0), digestEntry('b', 'alive', 3, 2, 5), digestEntry('c', 'alive', 1)]))
    expect(frame.entries.length).toBeLessThanOrEqual(1 + DIGEST_SAMPLE)
    expect(sentRecords()).toEqual([])
  })

  it('a digest gets back the records we hold newer, and a pull of what the sender holds newer or we never saw alive', () => {
    members.digests.onDigest('a', {
      type: FrameType.MembersDigest,
      room: '',
      entries: [
        digestEntry('b', 'alive', 2, 2, 4), // we hold b's newer state and health: corrected
        digestEntry('c', 'suspect', 1), // a stronger status at the same incarnation: pulled
        digestEntry('d', 'alive', 0), // never seen: pulled
        digestEntry('e', 'failed', 4), // never seen, and not alive: nothing (members enter by their own alive)
        digestEntry('a', 'alive', 0), // equal: nothing
      ],
    })
    const sent = ctx.take()
    const corrections = sent.flatMap(({ peer, frame }) => (frame.type === FrameType.Members ? frame.records.map((record) => ({ peer, record })) : []))
    expect(corrections.map(({ peer, record }) => [peer, record.kind, record.peer])).toEqual([
      ['a', 'state', 'b'],
      ['a', 'health', 'b'],
    ])
    expect(sent.flatMap(({ frame }) => (frame.type === FrameType.MembersPull ? [frame.keys] : []))).toEqual([[memberKey('c'), memberKey('d')]])
  })

  it('a digest behind on this peer gets our alive; a claim about us at our incarnation is pulled (and then refuted)', async () => {
    members.digests.onDigest('a', { type: FrameType.MembersDigest, room: '', entries: [digestEntry('me', 'alive', 0)] })
    expect(sentRecords()).toEqual([])
    members.digests.onDigest('a', { type: FrameType.MembersDigest, room: '', entries: [digestEntry('me', 'suspect', 0)] })
    expect(ctx.takeOf(FrameType.MembersPull).map(({ frame }) => frame.keys)).toEqual([[memberKey('me')]])
    // The pull brings the claim: we refute it with a higher incarnation, and a digest that still says 0 is corrected.
    members.receive('a', [state('me', 'suspect', 0, 'a')])
    await ctx.clock.advance(100)
    expect(members.list()[0]?.incarnation).toBe(1)
    ctx.take()
    members.digests.onDigest('a', { type: FrameType.MembersDigest, room: '', entries: [digestEntry('me', 'alive', 0)] })
    expect(sentRecords().map(({ record }) => record)).toEqual([expect.objectContaining({ kind: 'state', peer: 'me', status: 'alive', incarnation: 1 })])
  })

  it('a pull is answered once, with the records of the offered keys only', async () => {
    await ctx.clock.advance(10 * PROBE_MS)
    ctx.take()
    const stranger = memberKey('zz')
    members.digests.onPull('a', { type: FrameType.MembersPull, room: '', keys: [memberKey('b'), memberKey('me'), stranger, memberKey('b')] })
    const answer = sentRecords()
    expect(answer.every(({ peer }) => peer === 'a')).toBe(true)
    expect(answer.filter(({ record }) => record.peer === 'b').map(({ record }) => record.kind)).toEqual(['state', 'meta', 'health'])
    expect(answer.filter(({ record }) => record.peer === 'me').map(({ record }) => record.kind)).toContain('state')
    // Asked again (or by a peer we sent no digest): nothing.
    members.digests.onPull('a', { type: FrameType.MembersPull, room: '', keys: [memberKey('b')] })
    members.digests.onPull('x', { type: FrameType.MembersPull, room: '', keys: [memberKey('b')] })
    expect(sentRecords()).toEqual([])
  })

  it('an offer lapses when its link goes down', async () => {
    await ctx.clock.advance(10 * PROBE_MS)
    ctx.take()
    members.down('a', false)
    members.digests.onPull('a', { type: FrameType.MembersPull, room: '', keys: [memberKey('b')] })
    expect(sentRecords()).toEqual([])
  })

  it('two tables converge through digests and pulls alone', async () => {
    // A second member that missed b's and c's news: our digest to it, its pull, our answer.
    const other = new RecordingContext()
    const peerB = membersOn(other, 'a', () => ['me'], { refreshPerPeriod: 0.01 })
    peerB.start()
    await other.clock.advance(100)
    other.take()
    await ctx.clock.advance(10 * PROBE_MS)
    const digest = ctx.takeOf(FrameType.MembersDigest)[0]?.frame
    expect(digest).toBeDefined()
    peerB.digests.onDigest('me', digest as NonNullable<typeof digest>)
    const pull = other.takeOf(FrameType.MembersPull)[0]?.frame
    expect(pull?.keys).toEqual(expect.arrayContaining([memberKey('me'), memberKey('b'), memberKey('c')]))
    members.digests.onPull('a', pull as NonNullable<typeof pull>)
    for (const { frame } of ctx.takeOf(FrameType.Members)) peerB.receive('me', frame.records)
    await other.clock.advance(100)
    const known = Object.fromEntries(peerB.list().map((m) => [m.peerId, m.incarnation]))
    expect(known).toMatchObject({ me: 0, b: 3, c: 1 })
    expect(peerB.list().find((m) => m.peerId === 'b')?.meta).toEqual({ role: 'editor' })
    peerB.stop()
  })
})
