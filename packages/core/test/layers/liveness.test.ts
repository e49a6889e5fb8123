/**
 * Liveness: silence below suspectMs does nothing; at suspectMs a peer gets a Ping with a
 * fresh nonce every round until its matching Pong; at twice suspectMs the dead port is
 * called. Any frame heard resets the silence. Time is a virtual clock.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { Liveness } from '../../src/layers/liveness.js'
import { FrameType } from '../../src/protocol/messages.js'
import { RecordingContext } from '../support/layer-harness.js'

const SUSPECT = 5000

let ctx: RecordingContext
let dead: string[]
let liveness: Liveness

beforeEach(() => {
  ctx = new RecordingContext()
  dead = []
  liveness = new Liveness(ctx, { suspectMs: SUSPECT }, { dead: (peer) => dead.push(peer) })
})

/** Moves the clock to `at` and runs one round. */
async function roundAt(at: number): Promise<void> {
  await ctx.clock.advance(at - ctx.clock.now())
  liveness.tick()
}

describe('liveness', () => {
  it('a peer silent for less than suspectMs gets nothing', async () => {
    liveness.up('a')
    await roundAt(SUSPECT - 1)
    expect([ctx.take(), dead]).toEqual([[], []])
    expect(liveness.probing('a')).toBe(false)
  })

  it('a peer silent for suspectMs gets a Ping every round, each with its own nonce', async () => {
    liveness.up('a')
    liveness.up('b')
    liveness.heard('b')
    await roundAt(SUSPECT)
    const first = ctx.takeOf(FrameType.Ping)
    expect(first).toHaveLength(2)
    await roundAt(SUSPECT + 1000)
    const second = ctx.takeOf(FrameType.Ping)
    expect(second.map((s) => s.peer)).toEqual(['a', 'b'])
    expect(second[0]?.frame.room).toBe('r')
    expect(second[0]?.frame.nonce).not.toBe(first[0]?.frame.nonce)
    expect(liveness.probing('a')).toBe(true)
  })

  it('only the Pong that matches the latest Ping clears the probe', async () => {
    liveness.up('a')
    await roundAt(SUSPECT)
    const [ping] = ctx.takeOf(FrameType.Ping)
    const nonce = ping?.frame.nonce ?? -1
    liveness.onPong('a', { type: FrameType.Pong, room: '', nonce: nonce + 1 })
    expect(liveness.probing('a')).toBe(true)
    liveness.onPong('a', { type: FrameType.Pong, room: '', nonce })
    expect(liveness.probing('a')).toBe(false)
  })

  it('a peer silent for twice suspectMs is dead, and gets no Ping', async () => {
    liveness.up('a')
    liveness.up('b')
    await roundAt(2 * SUSPECT - 1)
    ctx.take()
    liveness.heard('b')
    await roundAt(2 * SUSPECT)
    expect(dead).toEqual(['a'])
    expect(ctx.take()).toEqual([])
  })

  it('a frame heard resets the silence', async () => {
    liveness.up('a')
    await roundAt(SUSPECT + 1000)
    ctx.take()
    liveness.heard('a')
    expect(liveness.lastHeard('a')).toBe(SUSPECT + 1000)
    await roundAt(2 * SUSPECT + 999)
    expect([ctx.take(), dead]).toEqual([[], []])
  })

  it('answers a Ping with a Pong of the same nonce', () => {
    liveness.onPing('a', { type: FrameType.Ping, room: '', nonce: 42 })
    expect(ctx.take()).toEqual([{ peer: 'a', frame: { type: FrameType.Pong, room: 'r', nonce: 42 } }])
  })

  it('forgets a peer that went down, and ignores frames from unknown peers', async () => {
    liveness.up('a')
    liveness.down('a')
    liveness.heard('x')
    expect([liveness.lastHeard('a'), liveness.lastHeard('x')]).toEqual([undefined, undefined])
    await roundAt(3 * SUSPECT)
    expect([ctx.take(), dead]).toEqual([[], []])
  })
})
