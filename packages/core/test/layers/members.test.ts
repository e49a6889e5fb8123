/**
 * The members layer, event in and actions out on a virtual clock: a member enters by its own
 * `alive`, a suspicion becomes room-wide news and then a failure (with the link dropped)
 * unless refuted by a higher incarnation, a claim about this peer is refuted at once, metadata
 * merges by version, failed members are reaped after `reapMs`, and a leave is announced.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { Members } from '../../src/layers/members.js'
import { FrameType } from '../../src/protocol/messages.js'
import type { MemberMetaRecord, MemberRecord } from '../../src/protocol/messages-members.js'
import { RecordingContext } from '../support/layer-harness.js'
import { membersOn, stateRecord } from '../support/members-harness.js'

const PROBE_MS = 1000
const REAP_MS = 30_000
const EMPTY = new Uint8Array(0)

let ctx: RecordingContext
let members: Members
let dead: string[]
let refuted: number
let neighbours: string[]

const state = stateRecord
const meta = (peer: string, version: number, entries: [string, number, unknown][]): MemberMetaRecord => ({
  kind: 'meta',
  peer,
  version,
  entries: entries.map(([key, v, value]) => ({ key, version: v, value: JSON.stringify(value) })),
  signature: EMPTY,
})

/** Every member record sent so far, by target. */
function sentRecords(): { peer: string; record: MemberRecord }[] {
  return ctx.takeOf(FrameType.Members).flatMap(({ peer, frame }) => frame.records.map((record) => ({ peer, record })))
}

const events = (name: string): unknown[] => ctx.emitted.filter((e) => e.event === name).map((e) => e.payload)

beforeEach(async () => {
  ctx = new RecordingContext()
  dead = []
  refuted = 0
  neighbours = ['a', 'b', 'c']
  members = membersOn(ctx, 'me', () => neighbours, { reapMs: REAP_MS }, { refuted: () => refuted++, dead: (peer) => dead.push(peer) })
  members.start()
  for (const peer of ['a', 'b', 'c', 'd']) members.receive('a', [state(peer, 'alive', 0)])
  await ctx.clock.advance(100)
  ctx.take()
  ctx.emitted.length = 0
})

describe('members layer', () => {
  it('a member enters by its own alive, once (member:join), and members() lists it', () => {
    members.receive('b', [state('e', 'alive', 0), state('e', 'alive', 0)])
    expect(events('member:join')).toHaveLength(1)
    expect(members.listing.list().map((m) => m.peerId)).toEqual(['me', 'a', 'b', 'c', 'd', 'e'])
    // A claim about a member nobody introduced does not create it.
    members.receive('b', [state('ghost', 'failed', 3, 'b')])
    expect(members.listing.list().map((m) => m.peerId)).not.toContain('ghost')
  })

  it('an unrefuted suspicion is flooded, then becomes a failure: member:fail and the link dropped', async () => {
    members.suspect('d')
    expect(events('member:suspect')).toEqual([expect.objectContaining({ by: 'me', member: expect.objectContaining({ peerId: 'd', status: 'suspect' }) })])
    await ctx.clock.advance(100)
    const claims = sentRecords().filter(({ record }) => record.kind === 'state' && record.peer === 'd')
    expect(claims.map((c) => c.peer).sort()).toEqual(['a', 'b', 'c'])
    expect(claims[0]?.record).toMatchObject({ status: 'suspect', by: 'me', incarnation: 0 })
    expect(events('member:fail')).toEqual([])
    await ctx.clock.advance(4 * PROBE_MS + 100) // unconfirmed: four times the confirmed timeout
    expect(events('member:fail')).toEqual([{ member: expect.objectContaining({ peerId: 'd', status: 'failed' }) }])
    expect(dead).toEqual(['d'])
    expect(ctx.stats.suspicions).toBe(1)
  })

  it('confirmations from other members shorten the suspicion: three of them, to one probe period', async () => {
    members.suspect('d')
    members.receive('a', [state('d', 'suspect', 0, 'a')])
    members.receive('b', [state('d', 'suspect', 0, 'b')])
    await ctx.clock.advance(PROBE_MS + 100)
    expect(events('member:fail')).toEqual([]) // two confirmations: not yet
    members.receive('c', [state('d', 'suspect', 0, 'c')])
    await ctx.clock.advance(10)
    expect(events('member:fail')).toHaveLength(1)
  })

  it('a higher incarnation refutes a suspicion: member:update (status), no failure', async () => {
    members.suspect('d')
    members.receive('c', [state('d', 'alive', 1)])
    expect(events('member:update')).toEqual([{ member: expect.objectContaining({ peerId: 'd', status: 'alive', incarnation: 1 }), changed: ['status'] }])
    await ctx.clock.advance(10 * PROBE_MS)
    expect(events('member:fail')).toEqual([])
    // The old claim arriving late changes nothing: incarnation 1 beats the suspicion at 0.
    members.receive('a', [state('d', 'suspect', 0, 'a')])
    expect(members.listing.list().find((m) => m.peerId === 'd')?.status).toBe('alive')
  })

  it('a claim about this peer is refuted at once with a higher incarnation', async () => {
    members.receive('a', [state('me', 'suspect', 0, 'a')])
    expect(members.self.incarnation).toBe(1)
    expect(refuted).toBe(1)
    await ctx.clock.advance(100)
    const alive = sentRecords().filter(({ record }) => record.kind === 'state' && record.peer === 'me')
    expect(alive.length).toBeGreaterThan(0)
    expect(alive[0]?.record).toMatchObject({ status: 'alive', incarnation: 1 })
    expect(ctx.stats.refutations).toBe(1)
  })

  it('metadata merges by version per key: an older record changes nothing', () => {
    members.receive('a', [meta('a', 2, [['role', 2, 'editor'], ['colour', 1, 'red']])])
    expect(events('member:update')).toEqual([{ member: expect.objectContaining({ peerId: 'a', meta: { role: 'editor', colour: 'red' } }), changed: ['role', 'colour'] }])
    members.receive('b', [meta('a', 1, [['role', 1, 'viewer']])])
    expect(members.listing.list().find((m) => m.peerId === 'a')?.meta).toEqual({ role: 'editor', colour: 'red' })
    members.receive('b', [meta('a', 3, [['role', 2, 'editor'], ['colour', 3, 'blue']])])
    expect(members.listing.list().find((m) => m.peerId === 'a')?.meta).toEqual({ role: 'editor', colour: 'blue' })
  })

  it('failed and left members are reaped after reapMs (member:reap with the status)', async () => {
    members.receive('a', [state('d', 'failed', 0, 'a'), state('c', 'left', 0)])
    expect(events('member:fail')).toHaveLength(1)
    expect(events('member:leave')).toHaveLength(1)
    expect(dead.sort()).toEqual(['c', 'd'])
    await ctx.clock.advance(REAP_MS + 2 * PROBE_MS)
    expect(events('member:reap')).toEqual(expect.arrayContaining([{ peerId: 'd', status: 'failed' }, { peerId: 'c', status: 'left' }]))
    expect(members.listing.list().map((m) => m.peerId)).toEqual(['me', 'a', 'b'])
  })

  it('leave announces left to every neighbour at once, and a later session rejoins above it', () => {
    members.leave()
    const left = sentRecords().filter(({ record }) => record.kind === 'state' && record.peer === 'me')
    expect(left.map((l) => l.peer).sort()).toEqual(['a', 'b', 'c'])
    expect(left[0]?.record).toMatchObject({ status: 'left', incarnation: 0 })
    expect(members.self.incarnation).toBe(1)
  })
})
