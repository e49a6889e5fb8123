/**
 * Self-refresh on its own: the refresh period grows with the room, refreshes are jittered
 * by ±25%, and staleness (stretched by local health) spares neighbours and dead members.
 */
import { describe, expect, it } from 'vitest'
import { MemberRefresh, MIN_REFRESH_PERIODS, STALE_REFRESHES } from '../../src/layers/member-refresh.js'
import type { MemberEntry } from '../../src/layers/member-table.js'
import type { MemberStatus } from '../../src/protocol/messages-members.js'

const PROBE_MS = 1000

function entry(peer: string, status: MemberStatus, refreshed: number): MemberEntry {
  return { peer, status, refreshed } as MemberEntry
}

describe('member self-refresh', () => {
  it('the refresh period grows with the room so the room refreshes perPeriod records per period, and never goes below the minimum', () => {
    const refresh = new MemberRefresh(PROBE_MS, 0.25, () => 'me')
    expect(refresh.periodMs(0)).toBe(MIN_REFRESH_PERIODS * PROBE_MS)
    expect(refresh.periodMs(99)).toBe(400 * PROBE_MS)
    expect(refresh.periodMs(999)).toBe(4000 * PROBE_MS)
  })

  it('refreshes 0.75 to 1.25 refresh periods apart, the first within one period', () => {
    const refresh = new MemberRefresh(PROBE_MS, 1, () => 'me')
    const period = refresh.periodMs(19)
    const times: number[] = []
    for (let now = 0; now <= 50 * period; now += PROBE_MS) if (refresh.due(now, 19)) times.push(now)
    expect(times[0]).toBeLessThanOrEqual(period)
    for (let i = 1; i < times.length; i++) {
      const gap = (times[i] as number) - (times[i - 1] as number)
      expect(gap).toBeGreaterThanOrEqual(0.75 * period)
      expect(gap).toBeLessThanOrEqual(1.25 * period + PROBE_MS)
    }
    expect(times.length).toBeGreaterThanOrEqual(40)
  })

  it('finds members unheard for STALE_REFRESHES periods (times the local health factor), not neighbours, not failed or left ones', () => {
    const refresh = new MemberRefresh(PROBE_MS, 1, () => 'me')
    const period = refresh.periodMs(5)
    const limit = STALE_REFRESHES * period
    const now = 10 * limit
    const entries = [
      entry('stale', 'alive', now - limit - 1),
      entry('suspect', 'suspect', now - limit - 1),
      entry('fresh', 'alive', now - limit + 1),
      entry('neighbour', 'alive', 0),
      entry('failed', 'failed', 0),
      entry('left', 'left', 0),
    ]
    expect(refresh.stale(entries, now, 5, 1, new Set(['neighbour']))).toEqual(['stale', 'suspect'])
    // Checked about four times per refresh period: right after a check, nothing.
    expect(refresh.stale(entries, now + 1, 5, 1, new Set())).toEqual([])
    // A starved peer (local health factor 2) waits twice as long before blaming others.
    const later = now + period
    expect(refresh.stale([entry('stale', 'alive', later - limit - 1)], later, 5, 2, new Set())).toEqual([])
    expect(refresh.stale([entry('stale', 'alive', later - 2 * limit - 1)], later + period, 5, 2, new Set())).toEqual(['stale'])
  })
})
