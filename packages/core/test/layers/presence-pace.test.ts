/**
 * Pacing of our own presence (layers/presence-pace.ts): within an eighth of the frame budget
 * each change of our state goes at once; past it, changes wait and one send goes at the next
 * token (the state as it stands then); removals of ours are paced alike; changes of other
 * clients, or of several, are not paced; once stopped (the goodbye), nothing waits and
 * nothing is paced.
 */
import { describe, expect, it } from 'vitest'
import { PresencePace } from '../../src/layers/presence-pace.js'
import { VirtualClock } from '../../src/virtual-clock.js'

const OWN = 7
const ours = { added: [], updated: [OWN], removed: [] }

function pace() {
  const clock = new VirtualClock()
  let sent = 0
  const p = new PresencePace(clock, { framesPerSecond: 80, frameBurst: 16 }, () => void sent++)
  return { clock, p, sent: () => sent }
}

describe('presence pacing', () => {
  it('lets a burst of an eighth of the frame burst go at once, then one send per token for everything in between', async () => {
    const { clock, p, sent } = pace()
    for (let i = 0; i < 2; i++) expect(p.defer(OWN, ours)).toBe(false)
    for (let i = 0; i < 50; i++) expect(p.defer(OWN, ours)).toBe(true)
    expect(p.waiting).toBe(true)
    await clock.advance(99) // 10 a second: the next token comes at 100 ms
    expect(sent()).toBe(0)
    await clock.advance(1)
    expect(sent()).toBe(1)
    expect(p.waiting).toBe(false)
    expect(p.defer(OWN, ours)).toBe(true)
  })

  it('paces removals of ours like any change, and not changes of other clients or of several', () => {
    const { p } = pace()
    for (let i = 0; i < 2; i++) p.defer(OWN, ours)
    expect(p.defer(OWN, { added: [], updated: [8], removed: [] })).toBe(false)
    expect(p.defer(OWN, { added: [OWN], updated: [8], removed: [] })).toBe(false)
    expect(p.defer(OWN, { added: [], updated: [OWN], removed: [8] })).toBe(false)
    expect(p.defer(OWN, { added: [], updated: [], removed: [OWN] })).toBe(true)
    expect(p.defer(OWN, { added: [OWN], updated: [], removed: [] })).toBe(true)
  })

  it('once stopped (the goodbye), drops what waits and paces nothing', async () => {
    const { clock, p, sent } = pace()
    for (let i = 0; i < 3; i++) p.defer(OWN, ours)
    expect(p.waiting).toBe(true)
    p.stop()
    expect(p.waiting).toBe(false)
    expect(p.defer(OWN, { added: [], updated: [], removed: [OWN] })).toBe(false)
    await clock.advance(1000)
    expect(sent()).toBe(0)
  })
})
