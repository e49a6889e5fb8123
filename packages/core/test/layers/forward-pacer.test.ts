/**
 * Pacing of what a peer passes on, per neighbour (layers/forward-pacer.ts): within half of
 * the budget a neighbour grants, every delta goes; past it, the link sheds every delta until
 * the neighbour is caught up; its first catch-up is due CATCH_UP_DELAY_MS later, then one each
 * round until then; links are paced apart; frames and bytes both count.
 */
import { describe, expect, it } from 'vitest'
import { CATCH_UP_DELAY_MS, ForwardPacer } from '../../src/layers/forward-pacer.js'
import { VirtualClock } from '../../src/virtual-clock.js'

const BUDGETS = { framesPerSecond: 100, frameBurst: 20, bytesPerSecond: 10_000, byteBurst: 2_000 }

function pacer() {
  const clock = new VirtualClock()
  const owed: string[] = []
  const p = new ForwardPacer(clock, BUDGETS, (peer) => owed.push(peer))
  p.up('a')
  p.up('b')
  return { clock, p, owed }
}

describe('forward pacing', () => {
  it('passes half of the frame burst at once, then sheds on that link alone; its first catch-up is due soon after', async () => {
    const { clock, p, owed } = pacer()
    for (let i = 0; i < 10; i++) expect(p.admit('a', 10)).toBe(true)
    expect(p.admit('a', 10)).toBe(false)
    expect(p.shedding('a')).toBe(true)
    expect(p.admit('b', 10)).toBe(true)
    // The first catch-up comes from the timer; the rounds' catch-ups only after it.
    expect(p.owed()).toEqual([])
    await clock.advance(CATCH_UP_DELAY_MS - 1)
    expect(owed).toEqual([])
    await clock.advance(1)
    expect(owed).toEqual(['a'])
    expect(p.owed()).toEqual(['a'])
  })

  it('a link caught up before its first catch-up is due gets none', async () => {
    const { clock, p, owed } = pacer()
    for (let i = 0; i < 11; i++) p.admit('a', 10)
    p.resume('a')
    await clock.advance(1000)
    expect(owed).toEqual([])
    expect(p.owed()).toEqual([])
  })

  it('keeps shedding once it started, even with tokens back, until the neighbour is caught up; owed each round until then', async () => {
    const { clock, p } = pacer()
    for (let i = 0; i < 11; i++) p.admit('a', 10)
    await clock.advance(1000)
    // Tokens are back, but a delta now could arrive before the ones shed, which it may build on.
    expect(p.admit('a', 10)).toBe(false)
    expect(p.owed()).toEqual(['a'])
    expect(p.owed()).toEqual(['a'])
    p.resume('a')
    expect(p.owed()).toEqual([])
    expect(p.admit('a', 10)).toBe(true)
  })

  it('refills at half the frame rate', async () => {
    const { clock, p } = pacer()
    for (let i = 0; i < 10; i++) p.admit('a', 10)
    await clock.advance(20) // 50 frames a second: one token
    expect(p.admit('a', 10)).toBe(true)
    expect(p.admit('a', 10)).toBe(false)
  })

  it('counts bytes: half of the byte burst, and a delta larger than that is charged the whole of it', () => {
    const { p } = pacer()
    expect(p.admit('a', 600)).toBe(true)
    expect(p.admit('a', 600)).toBe(false)
    p.resume('a')
    expect(p.admit('b', 5_000)).toBe(true)
    expect(p.admit('b', 1)).toBe(false)
  })

  it('forgets a link that went down (its catch-up too); an unknown link is not paced', async () => {
    const { clock, p, owed } = pacer()
    for (let i = 0; i < 11; i++) p.admit('a', 10)
    p.down('a')
    await clock.advance(1000)
    expect(owed).toEqual([])
    expect(p.owed()).toEqual([])
    expect(p.shedding('a')).toBe(false)
    for (let i = 0; i < 100; i++) expect(p.admit('c', 10)).toBe(true)
  })
})
