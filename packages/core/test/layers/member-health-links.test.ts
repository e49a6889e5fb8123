/**
 * Health records name a member's links by member key (4 bytes instead of a peer id): readers
 * resolve each key against their table (or to themselves), for members() and for choosing
 * indirect-probe helpers; a key nobody known holds is left out.
 */
import { describe, expect, it } from 'vitest'
import { memberKey } from '../../src/protocol/member-digest.js'
import { encodeMemberRecord, decodeMemberRecord } from '../../src/protocol/member-records.js'
import type { MemberHealthRecord, MemberStateRecord } from '../../src/protocol/messages-members.js'
import { RecordingContext } from '../support/layer-harness.js'
import { membersOn, stateRecord } from '../support/members-harness.js'

const EMPTY = new Uint8Array(0)
const alive = (peer: string): MemberStateRecord => stateRecord(peer, 'alive', 0)

describe('health links by member key', () => {
  it('resolve to peer ids against the table and this peer; unknown keys are left out', async () => {
    const ctx = new RecordingContext()
    const members = membersOn(ctx, 'me', () => ['a'], { refreshPerPeriod: 0.01 }, { local: () => ({ score: 0, lagMs: 0, links: [{ peer: 'a', rttMs: 40 }] }) })
    members.start()
    const health: MemberHealthRecord = {
      kind: 'health', peer: 'b', seq: 1, score: 0, lagMs: 0, queued: 0, budget: 0,
      links: [{ key: memberKey('a'), rttMs: 30 }, { key: memberKey('me'), rttMs: 20 }, { key: memberKey('nobody'), rttMs: 10 }],
      checks: [], signature: EMPTY,
    }
    // Keys survive the wire as they are.
    expect(decodeMemberRecord(encodeMemberRecord(health))).toEqual(health)
    members.receive('a', [alive('a'), alive('b'), health])
    await ctx.clock.advance(100)
    expect(members.listing.list().find((m) => m.peerId === 'b')?.health?.links).toEqual([
      { peerId: 'a', rttMs: 30 },
      { peerId: 'me', rttMs: 20 },
    ])
    expect(members.listing.linksOf('b')).toEqual(['a', 'me'])
    // Our own record names our neighbour by key, and shows it by peer id.
    members.healthChanged()
    expect(members.listing.list()[0]?.health?.links).toEqual([{ peerId: 'a', rttMs: 40 }])
    members.stop()
  })
})
