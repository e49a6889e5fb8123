/**
 * Per-neighbour pacing of the presence we pass on (layers/presence-outbox.ts): within a
 * sixteenth of the frame budget each forwarded frame goes at once; past it the link holds the
 * latest item of each client, in arrival order, and sends them all in one go at its next
 * token; a link that holds sends nothing ahead of what it holds; what we send at once (from
 * no neighbour) is never paced and replaces what links hold of the same client; a single
 * client follows its push tree; a link that is not to get a newer item (its source, a pruned
 * tree) drops the older one it holds; forgotten clients are dropped everywhere; a send of
 * several frames is charged to the link; a link whose session ended, or a destroyed outbox,
 * sends nothing held.
 */
import { describe, expect, it } from 'vitest'
import { PresenceOutbox } from '../../src/layers/presence-outbox.js'
import type { PresenceTree } from '../../src/layers/presence.js'
import { VirtualClock } from '../../src/virtual-clock.js'

/** 160 frames a second, bursts of 32: a link's share is 10 a second, bursts of 2. */
const BUDGETS = { framesPerSecond: 160, frameBurst: 32 }

function outbox(lazy: Set<string> = new Set(), framesPerSend = 1) {
  const clock = new VirtualClock()
  const sent: { peers: string[]; items: string[] }[] = []
  const pushed: { peer: string; clients: number[] }[] = []
  const tree: PresenceTree = {
    eager: (peer) => !lazy.has(peer),
    pushed: (peer, clients) => void pushed.push({ peer, clients: [...clients] }),
    first: () => {},
    duplicate: () => {},
  }
  const stats = { presencePaced: 0 }
  const box = new PresenceOutbox<string>(clock, BUDGETS, tree, (peers, items) => (sent.push({ peers, items }), framesPerSend), stats)
  return { clock, box, sent, pushed, stats }
}

describe('the presence outbox', () => {
  it('passes on within the share at once; past it holds the latest of each client and sends them together at the next token', async () => {
    const { clock, box, sent, pushed, stats } = outbox()
    box.forward(['a', 'src'], 'src', [[1, 'x1']])
    box.forward(['a', 'src'], 'src', [[2, 'y1']])
    expect(sent).toEqual([
      { peers: ['a'], items: ['x1'] },
      { peers: ['a'], items: ['y1'] },
    ])
    box.forward(['a'], 'src', [[1, 'x2']])
    box.forward(['a'], 'src', [[2, 'y2']])
    box.forward(['a'], 'src', [[1, 'x3']])
    expect(sent).toHaveLength(2)
    expect(stats.presencePaced).toBe(3)
    await clock.advance(99) // 10 a second: the next token comes at 100 ms
    expect(sent).toHaveLength(2)
    await clock.advance(1)
    expect(sent[2]).toEqual({ peers: ['a'], items: ['y2', 'x3'] })
    expect(pushed.at(-1)).toEqual({ peer: 'a', clients: [2, 1] })
  })

  it('holds everything behind what a link holds, paces links apart, and never paces what we send at once', async () => {
    const { clock, box, sent } = outbox()
    for (let i = 0; i < 3; i++) box.forward(['a'], 'src', [[1, `x${i}`]])
    expect(sent).toHaveLength(2)
    // Link b has its own share; what we send at once goes to both, and replaces a's held x2.
    box.forward(['a', 'b'], 'src', [[3, 'z']])
    expect(sent.at(-1)).toEqual({ peers: ['b'], items: ['z'] })
    box.forward(['a', 'b'], undefined, [[1, 'own']])
    expect(sent.at(-1)).toEqual({ peers: ['a', 'b'], items: ['own'] })
    await clock.advance(100)
    expect(sent.at(-1)).toEqual({ peers: ['a'], items: ['z'] })
    await clock.advance(1000)
    expect(sent).toHaveLength(5)
  })

  it('follows a single client’s push tree, and sends a link nothing held after its session ended or the outbox stopped', async () => {
    const { clock, box, sent } = outbox(new Set(['lazy']))
    box.forward(['a', 'lazy', 'c'], 'src', [[1, 'x']])
    expect(sent).toEqual([{ peers: ['a', 'c'], items: ['x'] }])
    box.forward(['a', 'lazy', 'c'], 'src', [[1, 'x'], [2, 'y']])
    expect(sent.at(-1)).toEqual({ peers: ['a', 'lazy', 'c'], items: ['x', 'y'] })
    box.forward(['a', 'c'], 'src', [[1, 'x4']])
    expect(sent).toHaveLength(2)
    box.drop('a')
    await clock.advance(100)
    expect(sent.at(-1)).toEqual({ peers: ['c'], items: ['x4'] })
    box.forward(['c'], 'src', [[1, 'x5']])
    box.forward(['c'], 'src', [[1, 'x6']])
    box.destroy()
    await clock.advance(1000)
    expect(sent).toHaveLength(3)
  })

  it('drops an older held item where a newer one is not to go (its source, a pruned tree), and forgotten clients everywhere', async () => {
    const lazy = new Set<string>()
    const { clock, box, sent } = outbox(lazy)
    for (let i = 0; i < 2; i++) box.forward(['a', 'b'], 'src', [[9, 'fill']])
    box.forward(['a', 'b'], 'src', [[1, 'x1'], [2, 'y1'], [3, 'z1']])
    expect(sent).toHaveLength(2)
    box.forward(['a', 'b'], 'a', [[1, 'x2']]) // a brought x2: a's older x1 is dropped, b holds x2
    lazy.add('b')
    box.forward(['a', 'b'], 'src', [[2, 'y2']]) // b pruned client 2: b's older y1 is dropped
    box.forget([3])
    await clock.advance(100)
    expect(sent.slice(2)).toEqual([
      { peers: ['a'], items: ['y2'] },
      { peers: ['b'], items: ['x2'] },
    ])
  })

  it('charges every frame of a send beyond the first to the link', async () => {
    const { clock, box, sent } = outbox(new Set(), 3)
    box.forward(['a'], 'src', [[1, 'x1'], [2, 'y1']]) // 3 frames: 1 token and a debt of 2 (a burst of 2 leaves −1)
    box.forward(['a'], 'src', [[1, 'x2']])
    await clock.advance(199)
    expect(sent).toHaveLength(1)
    await clock.advance(1)
    expect(sent.at(-1)).toEqual({ peers: ['a'], items: ['x2'] })
  })
})
