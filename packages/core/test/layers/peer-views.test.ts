/**
 * The overlay's bookkeeping: the passive view (bounded, never ourselves, with the transport
 * that reaches each peer), the lost peers (due at once, then backing off from retryMs up to
 * 64×, bounded, oldest forgotten first), and inbound slot reservations on the virtual clock.
 */
import { describe, expect, it } from 'vitest'
import { PeerViews } from '../../src/layers/peer-views.js'
import { Reservations } from '../../src/layers/reservations.js'
import { seededRandom } from '../../src/random.js'
import { VirtualClock } from '../../src/virtual-clock.js'

const RETRY = 1000

function views(maxPassive = 4, maxFailed = 32): PeerViews {
  return new PeerViews('me', seededRandom(3), maxPassive, maxFailed)
}

describe('passive view', () => {
  it('never holds ourselves, and keeps the latest known transport', () => {
    const v = views()
    v.addPassive('me')
    v.addPassive('p', 'memory')
    v.addPassive('p')
    expect(v.transportOf('p')).toBe('memory')
    v.addPassive('p', 'webrtc')
    expect([v.passive(), v.transportOf('p')]).toEqual([['p'], 'webrtc'])
  })

  it('is bounded: a newcomer replaces a random peer', () => {
    const v = views(4)
    for (const p of ['a', 'b', 'c', 'd', 'e']) v.addPassive(p, undefined, `from-${p}`)
    expect(v.passive()).toHaveLength(4)
    expect(v.hasPassive('e')).toBe(true)
  })

  it('samples without the excluded peers', () => {
    const v = views()
    for (const p of ['a', 'b', 'c']) v.addPassive(p, undefined, `from-${p}`)
    expect(new Set(v.samplePassive(5, (p) => p === 'b'))).toEqual(new Set(['a', 'c']))
    expect(v.samplePassive(1, () => false)).toHaveLength(1)
  })
})

describe('lost peers', () => {
  it('a peer just lost leaves the passive view and is due at once', () => {
    const v = views()
    v.addPassive('p')
    v.markFailed('p', 500, RETRY)
    expect([v.passive(), v.failed()]).toEqual([[], ['p']])
    expect(v.pickFailed(500, () => false)).toBe('p')
    expect(v.pickFailed(500, (p) => p === 'p')).toBeUndefined()
  })

  it('each failed redial doubles the wait, from retryMs up to 64×', () => {
    const v = views()
    const waits: number[] = []
    let now = 0
    v.markFailed('p', now, RETRY)
    for (let attempt = 1; attempt <= 9; attempt++) {
      v.markFailed('p', now, RETRY)
      let wait = 0
      while (v.pickFailed(now + wait, () => false) === undefined) wait += RETRY
      waits.push(wait / RETRY)
      now += wait
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 64, 64, 64])
  })

  it('is bounded: the oldest lost peer is forgotten first', () => {
    const v = views(4, 2)
    v.markFailed('a', 0, RETRY)
    v.markFailed('b', 0, RETRY)
    v.markFailed('c', 0, RETRY)
    expect(v.failed()).toEqual(['b', 'c'])
  })

  it('forget drops a peer everywhere; clearFailed only from the lost peers', () => {
    const v = views()
    v.markFailed('a', 0, RETRY)
    v.addPassive('a')
    v.forget('a')
    expect([v.passive(), v.failed()]).toEqual([[], []])
    v.markFailed('b', 0, RETRY)
    v.clearFailed('b')
    expect(v.failed()).toEqual([])
  })
})

describe('reservations', () => {
  it('hold a slot until released or expired, one per peer', async () => {
    const clock = new VirtualClock()
    const held = new Reservations(clock, 3000)
    held.reserve('a')
    held.reserve('b')
    await clock.advance(2000)
    held.reserve('a') // renewed: a fresh time-to-live
    expect(held.size).toBe(2)
    await clock.advance(1000)
    expect([held.has('a'), held.has('b')]).toEqual([true, false])
    held.release('a')
    expect(held.size).toBe(0)
    held.reserve('c')
    held.releaseAll()
    await clock.advance(5000)
    expect(held.size).toBe(0)
  })
})
