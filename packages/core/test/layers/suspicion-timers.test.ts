/**
 * The suspicion timers with local health: a suspicion times out after Lifeguard's timeout
 * (shrinking with confirmations), stretched by this peer's local health factor; and on a
 * CPU-starved peer a timer that fires late (its event loop was blocked) lets the input queued
 * behind it run first, so a refutation that arrived during the stall cancels the failure.
 * Without local health the late timer declares the failure (the SWIM behaviour).
 */
import { describe, expect, it } from 'vitest'
import { VirtualClock } from '../../src/virtual-clock.js'
import { LocalHealth } from '../../src/layers/local-health.js'
import { MemberTable, type MemberEntry } from '../../src/layers/member-table.js'
import { SuspicionTimers } from '../../src/layers/suspicion-timers.js'
import type { MemberStateRecord } from '../../src/protocol/messages-members.js'
import { stallingClock } from '../support/stalling-clock.js'

const PROBE_MS = 1000
const state = (status: MemberStateRecord['status'], incarnation: number, by = ''): MemberStateRecord => ({ kind: 'state', peer: 'x', status, incarnation, by, signature: new Uint8Array(0) })

/** A table holding member `x` (and eight others: log10(10) = 1, so the minimum timeout is one period), with `x` suspected by `a`. */
function setup(localHealth: boolean, stall = { end: 0 }) {
  const inner = new VirtualClock()
  const clock = stallingClock(inner, stall)
  const table = new MemberTable(100)
  for (const peer of ['x', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8']) table.applyState({ ...state('alive', 0), peer }, 0)
  const health = new LocalHealth(localHealth, 8)
  const failed: MemberEntry[] = []
  const timers = new SuspicionTimers(clock, { probeMs: PROBE_MS, suspicionMult: 1 }, table, health, (entry) => failed.push(entry))
  const outcome = table.applyState(state('suspect', 0, 'a'), inner.now())
  if (outcome.kind !== 'suspect') throw new Error('x should be suspect')
  timers.time(outcome.entry)
  return { inner, table, health, failed, timers, entry: outcome.entry }
}

describe('suspicion timers', () => {
  it('time out after 4× the minimum for a lone accuser, and at the minimum after three confirmations', async () => {
    const lone = setup(true)
    expect(lone.timers.timeout(1)).toBe(4 * PROBE_MS)
    await lone.inner.advance(4 * PROBE_MS - 1)
    expect(lone.failed).toHaveLength(0)
    await lone.inner.advance(1)
    expect(lone.failed).toHaveLength(1)

    const confirmed = setup(true)
    for (const by of ['b', 'c', 'd']) confirmed.table.applyState(state('suspect', 0, by), 0)
    confirmed.timers.time(confirmed.entry)
    await confirmed.inner.advance(PROBE_MS)
    expect(confirmed.failed).toHaveLength(1)
  })

  it('are stretched by the local health factor: a starved peer is not the first to declare a failure', async () => {
    const { inner, health, failed, timers, entry } = setup(true)
    health.raise(2)
    timers.time(entry)
    await inner.advance(3 * 4 * PROBE_MS - 1)
    expect(failed).toHaveLength(0)
    await inner.advance(1)
    expect(failed).toHaveLength(1)
  })

  it('a late timer waits for the refutation queued behind it with local health, and fails the member without it', async () => {
    for (const localHealth of [true, false]) {
      const stall = { end: 0 }
      const { inner, table, failed } = setup(localHealth, stall)
      // A stall across the timeout: the timer fires at its end, late, before the refutation
      // that arrived during the stall is handled (as an event loop does after a long task).
      await inner.advance(3 * PROBE_MS)
      stall.end = inner.now() + 2 * PROBE_MS
      await inner.advance(2 * PROBE_MS)
      expect(table.applyState(state('alive', 1), inner.now()).kind).toBe('refuted')
      await inner.advance(PROBE_MS)
      expect(failed, `local health ${localHealth}`).toHaveLength(localHealth ? 0 : 1)
    }
  })

  it('a late timer still fails a member that nobody refuted', async () => {
    const stall = { end: 0 }
    const { inner, failed } = setup(true, stall)
    await inner.advance(3 * PROBE_MS)
    stall.end = inner.now() + 2 * PROBE_MS
    await inner.advance(3 * PROBE_MS)
    expect(failed).toHaveLength(1)
  })
})
