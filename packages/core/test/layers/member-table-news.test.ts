/**
 * `MemberTable.isNews` decides whether a record is worth a signature check in a room with a
 * secret; it must agree with what `applyState` then does. Seeded random histories of state
 * records about a few members (a full table included): before each record, `isNews` on one
 * table must say exactly whether `applyState` changes a replica of it, except for a stale
 * record (an incarnation below ours), which counts as news so its sender can be corrected.
 * Set GOSSAMER_SEED to replay one seed.
 */
import { describe, expect, it } from 'vitest'
import { MemberTable } from '../../src/layers/member-table.js'
import type { MemberStateRecord, MemberStatus } from '../../src/protocol/messages-members.js'
import { randomInt, seededRandom } from '../../src/random.js'

const STATUSES: MemberStatus[] = ['alive', 'suspect', 'failed', 'left']
const SEEDS = process.env['GOSSAMER_SEED'] === undefined ? [1, 2, 3, 4, 5, 6, 7, 8] : [Number(process.env['GOSSAMER_SEED'])]

function randomRecord(random: ReturnType<typeof seededRandom>): MemberStateRecord {
  const status = STATUSES[randomInt(random, 4)] as MemberStatus
  const claim = status === 'suspect' || status === 'failed'
  return { kind: 'state', peer: `m${randomInt(random, 4)}`, status, incarnation: randomInt(random, 3), by: claim ? `a${randomInt(random, 12)}` : '', signature: new Uint8Array(0) }
}

describe('MemberTable.isNews', () => {
  it.each(SEEDS)('agrees with applyState on every record of a random history (seed %i)', (seed) => {
    const random = seededRandom(seed)
    // A table of 3 live members at most: joins beyond it are refused, and isNews says so.
    const table = new MemberTable(3)
    const replica = new MemberTable(3)
    for (let step = 0; step < 2000; step++) {
      const record = randomRecord(random)
      const stale = record.incarnation < (table.get(record.peer)?.incarnation ?? -1)
      const news = table.isNews(record, 'me')
      const outcome = replica.applyState(record, step).kind
      expect(news, `seed ${seed}, step ${step}: ${JSON.stringify({ ...record, signature: undefined })} → ${outcome}`).toBe(stale || outcome !== 'none')
      table.applyState(record, step)
    }
  })
})
