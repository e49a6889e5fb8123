import { describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS, TokenBucket, resolveLimits } from '../src/index.js'

describe('TokenBucket', () => {
  it('allows a burst, then refills at the configured rate', () => {
    let t = 0
    const bucket = new TokenBucket(50, 100, () => t)
    let taken = 0
    while (bucket.take()) taken++
    expect(taken).toBe(100)
    t += 100 // 100 ms at 50/s = 5 tokens
    taken = 0
    while (bucket.take()) taken++
    expect(taken).toBe(5)
    t += 60_000 // refills up to the burst, no further
    taken = 0
    while (bucket.take()) taken++
    expect(taken).toBe(100)
  })

  it('tolerates a clock that goes backwards', () => {
    let t = 1000
    const bucket = new TokenBucket(1, 1, () => t)
    expect(bucket.take()).toBe(true)
    t = 0
    expect(bucket.take()).toBe(false)
  })
})

describe('resolveLimits', () => {
  it('applies defaults and derives closeAboveBytes from maxMessageBytes', () => {
    expect(resolveLimits()).toEqual(DEFAULT_LIMITS)
    expect(resolveLimits({ maxMessageBytes: 1000 }).closeAboveBytes).toBe(4000)
    expect(resolveLimits({ maxMessageBytes: 1000, closeAboveBytes: 1000 }).closeAboveBytes).toBe(1000)
    expect(resolveLimits({ peerSampleSize: undefined }).peerSampleSize).toBe(8)
  })

  it('rejects invalid limits with InvalidOptionsError', () => {
    for (const bad of [{ maxConnections: 0 }, { peerSampleSize: 1.5 }, { messagesPerSecond: -1 }, { messagesPerSecond: Number.NaN }, { maxMessageBytes: 100, closeAboveBytes: 99 }]) {
      expect(() => resolveLimits(bad)).toThrowError(expect.objectContaining({ name: 'InvalidOptionsError' }))
    }
  })
})
