import { describe, expect, it } from 'vitest'
import { sampleIndices } from '../src/index.js'
import { sampleExcluding } from '../src/sample.js'
import { TopicRegistry } from '../src/topics.js'
import { seeded } from './helpers.js'

describe('sampleIndices', () => {
  it('returns min(k, n) distinct in-range indices', () => {
    const random = seeded(1)
    for (const [n, k] of [[0, 8], [1, 8], [5, 8], [8, 8], [100, 8], [1000, 3]] as const) {
      const s = sampleIndices(n, k, random)
      expect(s).toHaveLength(Math.min(n, k))
      expect(new Set(s).size).toBe(s.length)
      for (const i of s) expect(i >= 0 && i < n).toBe(true)
    }
  })

  it('picks every index about equally often (seeded)', () => {
    const random = seeded(42)
    const counts = new Array<number>(20).fill(0)
    const rounds = 20_000
    for (let r = 0; r < rounds; r++) for (const i of sampleIndices(20, 4, random)) counts[i]!++
    const expected = (rounds * 4) / 20
    for (const c of counts) expect(Math.abs(c - expected) / expected).toBeLessThan(0.08)
  })

  it('survives a faulty random source', () => {
    for (const r of [() => 1, () => -3, () => Number.NaN, () => 0.9999999999]) {
      const s = sampleIndices(10, 10, r)
      expect(new Set(s).size).toBe(10)
    }
  })

  it('sampleExcluding never returns the excluded item', () => {
    const random = seeded(7)
    const items = ['a', 'b', 'c', 'd']
    for (let r = 0; r < 200; r++) expect(sampleExcluding(items, 2, 3, random).sort()).toEqual(['a', 'b', 'd'])
  })
})

describe('TopicRegistry', () => {
  it('joins, leaves, samples without self, and forgets empty topics', () => {
    const reg = new TopicRegistry()
    const random = seeded(3)
    for (const p of ['a', 'b', 'c']) expect(reg.join('t', p)).toBe(true)
    expect(reg.join('t', 'a')).toBe(false)
    expect(reg.sample('t', 'a', 8, random).sort()).toEqual(['b', 'c'])
    expect(reg.leave('t', 'a')).toBe(true)
    expect(reg.leave('t', 'a')).toBe(false)
    expect(reg.has('t', 'a')).toBe(false)
    expect(reg.sample('t', 'b', 8, random)).toEqual(['c'])
    reg.leave('t', 'b')
    reg.leave('t', 'c')
    expect(reg.size).toBe(0)
    expect(reg.sample('t', 'x', 8, random)).toEqual([])
  })
})
