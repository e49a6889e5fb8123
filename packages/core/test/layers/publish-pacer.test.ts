/**
 * Pacing of local publishes (layers/publish-pacer.ts): within a quarter of the frame budget
 * neighbours grant, each publish goes out at once; past it, publishes wait and go out
 * together at the next token, in order; nothing is lost or reordered; destroy sends what waits at once.
 */
import { describe, expect, it } from 'vitest'
import { PublishPacer } from '../../src/layers/publish-pacer.js'
import { VirtualClock } from '../../src/virtual-clock.js'

const bytes = (n: number): Uint8Array => new Uint8Array([n >> 8, n & 255])
const number = (b: Uint8Array): number => ((b[0] as number) << 8) | (b[1] as number)

function pacer(clock: VirtualClock) {
  const sent: number[][] = []
  const p = new PublishPacer(clock, { framesPerSecond: 400, frameBurst: 40 }, (payloads) => sent.push(payloads.map(number)))
  return { p, sent }
}

describe('publish pacing', () => {
  it('a burst within a quarter of the frame burst goes out one by one, at once', () => {
    const clock = new VirtualClock()
    const { p, sent } = pacer(clock)
    for (let i = 0; i < 10; i++) p.publish(bytes(i))
    expect(sent).toEqual(Array.from({ length: 10 }, (_, i) => [i]))
    expect(p.waiting).toBe(0)
  })

  it('past it, publishes wait and go out together at the next token, in order; the pace is a quarter of the frame rate', async () => {
    const clock = new VirtualClock()
    const { p, sent } = pacer(clock)
    for (let i = 0; i < 25; i++) p.publish(bytes(i))
    expect(sent).toHaveLength(10)
    expect(p.waiting).toBe(15)
    // 100 tokens a second: one every 10 ms.
    await clock.advance(9)
    expect(sent).toHaveLength(10)
    await clock.advance(1)
    expect(sent).toHaveLength(11)
    expect(sent[10]).toEqual(Array.from({ length: 15 }, (_, i) => 10 + i))
    expect(p.waiting).toBe(0)
    // A steady stream of 1,000 publishes a second goes out as 100 frames a second, nothing lost.
    for (let ms = 0; ms < 1000; ms++) {
      p.publish(bytes(100 + ms))
      await clock.advance(1)
    }
    const frames = sent.slice(11)
    expect(frames.length).toBeGreaterThanOrEqual(99)
    expect(frames.length).toBeLessThanOrEqual(101)
    expect(frames.flat()).toEqual(Array.from({ length: 1000 }, (_, i) => 100 + i).slice(0, frames.flat().length))
    await clock.advance(20)
    expect(sent.slice(11).flat()).toEqual(Array.from({ length: 1000 }, (_, i) => 100 + i))
  })

  it('once the bucket refilled, publishes go out at once again; destroy sends what waits and stops the timer', async () => {
    const clock = new VirtualClock()
    const { p, sent } = pacer(clock)
    for (let i = 0; i < 12; i++) p.publish(bytes(i))
    await clock.advance(1000)
    expect(sent.flat()).toEqual(Array.from({ length: 12 }, (_, i) => i))
    const before = sent.length
    p.publish(bytes(50))
    expect(sent).toHaveLength(before + 1)
    for (let i = 0; i < 20; i++) p.publish(bytes(60 + i))
    expect(p.waiting).toBeGreaterThan(0)
    // Going offline, what waits still goes out, at once and in order; then nothing more.
    p.destroy()
    expect(p.waiting).toBe(0)
    expect(sent.flat().slice(-20)).toEqual(Array.from({ length: 20 }, (_, i) => 60 + i))
    const after = sent.length
    await clock.advance(1000)
    expect(sent).toHaveLength(after)
  })
})
