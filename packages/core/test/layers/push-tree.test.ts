/**
 * Push trees, driven directly: first copies and duplicates (by origin and hop count) prune
 * and graft links, Prune and Graft frames from peers switch pushing off and on, a parent
 * link going down grafts its orphans, and an origin that anti-entropy repaired without a
 * push within a round is grafted everywhere we pruned it.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { PushTree } from '../../src/layers/push-tree.js'
import { FrameType, LIMITS } from '../../src/protocol/messages.js'
import { RecordingContext } from '../support/layer-harness.js'

const OWN = 1000
const O = 77

let ctx: RecordingContext
let tree: PushTree

beforeEach(() => {
  ctx = new RecordingContext()
  tree = new PushTree(ctx, () => OWN)
  for (const peer of ['a', 'b', 'c']) tree.up(peer, true)
  tree.up('t', false)
})

const prune = (origins: number[]) => ({ type: FrameType.Prune, room: 'r', origins })
const graft = (origins: number[]) => ({ type: FrameType.Graft, room: 'r', origins })

describe('pruning redundant copies', () => {
  it('a duplicate from another peer prunes that link, once', () => {
    tree.first('a', O, 2)
    tree.duplicate('b', O, 2)
    tree.duplicate('b', O, 3)
    expect(ctx.take()).toEqual([{ peer: 'b', frame: prune([O]) }])
    expect(ctx.stats.prunesSent).toBe(1)
  })

  it('nothing is pruned before a push of that origin arrived, nor on the parent link itself', () => {
    tree.duplicate('b', O, 1)
    tree.first('a', O, 2)
    tree.duplicate('a', O, 2)
    expect(ctx.take()).toEqual([])
  })

  it('our own messages coming back are always pruned: we are the root', () => {
    tree.duplicate('c', OWN, 1)
    expect(ctx.take()).toEqual([{ peer: 'c', frame: prune([OWN]) }])
  })

  it('a duplicate with fewer hops moves the parent and prunes the old parent link', () => {
    tree.first('a', O, 4)
    tree.duplicate('b', O, 1)
    expect(ctx.take()).toEqual([{ peer: 'a', frame: prune([O]) }])
    tree.duplicate('c', O, 2) // not shorter than the new parent's path
    expect(ctx.take()).toEqual([{ peer: 'c', frame: prune([O]) }])
  })

  it('a shorter duplicate grafts its link back when we had pruned it there', () => {
    tree.first('a', O, 2)
    tree.duplicate('b', O, 2)
    ctx.take()
    tree.first('a', O, 3)
    tree.duplicate('b', O, 1)
    expect(ctx.take()).toEqual([
      { peer: 'b', frame: graft([O]) },
      { peer: 'a', frame: prune([O]) },
    ])
  })

  it('a parent on a transient link does not move: the duplicate link is pruned instead', () => {
    tree.first('t', O, 5)
    tree.duplicate('a', O, 1)
    expect(ctx.take()).toEqual([{ peer: 'a', frame: prune([O]) }])
  })
})

describe('grafting', () => {
  it('a first copy that arrives on a link we pruned grafts it back', () => {
    tree.first('a', O, 1)
    tree.duplicate('b', O, 1)
    ctx.take()
    tree.first('b', O, 1)
    expect(ctx.take()).toEqual([{ peer: 'b', frame: graft([O]) }])
    expect(ctx.stats.graftsSent).toBe(1)
  })

  it('when the parent link goes down, its orphans are grafted on every neighbour link we pruned them on', () => {
    tree.first('a', O, 1)
    tree.first('a', 78, 1)
    tree.first('c', 79, 1)
    tree.duplicate('b', O, 1)
    tree.duplicate('b', 78, 1)
    tree.duplicate('b', 79, 1)
    ctx.take()
    tree.down('a')
    expect(ctx.take()).toEqual([{ peer: 'b', frame: graft([O, 78]) }])
  })

  it('a Graft never carries more origins than a frame allows', () => {
    const origins = Array.from({ length: LIMITS.originsPerFrame + 10 }, (_, i) => 5000 + i)
    for (const origin of origins) {
      tree.first('a', origin, 1)
      tree.duplicate('b', origin, 1)
    }
    ctx.take()
    tree.down('a')
    const grafts = ctx.takeOf(FrameType.Graft)
    expect(grafts.map((g) => [g.peer, g.frame.origins.length])).toEqual([
      ['b', LIMITS.originsPerFrame],
      ['b', 10],
    ])
  })

  it('an origin repaired without a push by the end of the next round is grafted where we pruned it', () => {
    tree.first('a', O, 1)
    tree.duplicate('b', O, 1)
    ctx.take()
    tree.repaired([O, 999]) // 999 has no tree: not a suspect
    tree.tick()
    expect(ctx.take()).toEqual([])
    tree.tick()
    expect(ctx.take()).toEqual([{ peer: 'b', frame: graft([O]) }])
    tree.tick()
    expect(ctx.take()).toEqual([])
  })

  it('a push of the repaired origin within the round clears the suspicion', () => {
    tree.first('a', O, 1)
    tree.duplicate('b', O, 1)
    ctx.take()
    tree.repaired([O])
    tree.tick()
    tree.first('a', O, 1)
    tree.tick()
    expect(ctx.take()).toEqual([])
  })
})

describe('Prune and Graft from peers', () => {
  it('a Prune stops pushing that origin to that peer only; a Graft resumes it', () => {
    tree.handle('b', prune([O, 78]))
    expect([tree.eager('b', O), tree.eager('b', 78), tree.eager('b', 79), tree.eager('a', O)]).toEqual([false, false, true, true])
    tree.handle('b', graft([O]))
    expect([tree.eager('b', O), tree.eager('b', 78)]).toEqual([true, false])
  })

  it('an empty Graft resumes every origin', () => {
    tree.handle('b', prune([O, 78]))
    tree.handle('b', graft([]))
    expect([tree.eager('b', O), tree.eager('b', 78)]).toEqual([true, true])
  })

  it('frames from a peer without a link are ignored; a link that comes up again starts eager', () => {
    tree.handle('z', prune([O]))
    expect(tree.eager('z', O)).toBe(true)
    tree.handle('b', prune([O]))
    tree.down('b')
    tree.up('b', true)
    expect(tree.eager('b', O)).toBe(true)
  })
})

describe('presence on the trees (no hop count)', () => {
  it('names a parent only where deltas have not, and a duplicate of it prunes', () => {
    tree.first('a', O) // no parent yet: a presence copy names one
    tree.first('b', O) // the parent on a neighbour link stays
    tree.duplicate('c', O)
    expect(ctx.take()).toEqual([{ peer: 'c', frame: prune([O]) }])
    tree.first('b', O, 2) // a delta first copy always names its link
    tree.duplicate('a', O, 1)
    expect(ctx.take()).toEqual([{ peer: 'b', frame: prune([O]) }])
  })
})

describe('claims checked against deliveries', () => {
  let lies: string[]

  beforeEach(() => {
    lies = []
    tree = new PushTree(ctx, () => OWN, (peer, what) => lies.push(`${peer}: ${what}`))
    for (const peer of ['a', 'b', 'c']) tree.up(peer, true)
  })

  it('an echo of our push moves no parent, whatever its hop count, from a peer that never delivered that origin first', () => {
    tree.first('a', O, 3)
    tree.duplicate('b', O, 0, { echo: true })
    expect(ctx.take()).toEqual([{ peer: 'b', frame: prune([O]) }])
    expect(ctx.stats.hopClaimsRefused).toBe(1)
    expect(lies).toEqual([]) // an author whose copy lost the race to ours looks the same
  })

  it('a copy that crossed our push moves the parent when its sender delivered that origin first before', () => {
    tree.first('b', O, 1)
    tree.first('a', O, 3)
    tree.duplicate('b', O, 1, { echo: true })
    expect(ctx.take()).toEqual([{ peer: 'a', frame: prune([O]) }])
  })

  it('hop 0 binds one origin per peer: under a second origin, or ours, it is a lie and is not believed', () => {
    tree.first('b', 5, 0) // b is the author of 5
    tree.first('a', O, 3)
    tree.duplicate('b', O, 0)
    expect(lies).toEqual(['b: hop 0 under a second origin'])
    expect(ctx.take()).toEqual([{ peer: 'b', frame: prune([O]) }])
    tree.duplicate('c', OWN, 0)
    expect(lies).toEqual(['b: hop 0 under a second origin', 'c: hop 0 under our own origin'])
  })

  it('a first copy with a false hop 0 delivered, so it names the parent, but its hop count is not kept', () => {
    tree.first('b', 5, 0)
    tree.first('b', O, 0) // new content, but b claimed 5 already
    expect(lies).toEqual(['b: hop 0 under a second origin'])
    tree.duplicate('a', O, 2) // a real, shorter path than "unknown"
    expect(ctx.take()).toEqual([{ peer: 'b', frame: prune([O]) }])
  })

  it('a parent won by hop count that then delivers nothing is pruned once anti-entropy had to repair its origin', () => {
    tree.first('b', O, 1) // b delivered O first once: its later copies are believed
    tree.first('a', O, 3)
    tree.duplicate('b', O, 1, { echo: true }) // b becomes the parent on its word; a is pruned
    ctx.take()
    tree.repaired([O])
    tree.tick()
    tree.tick()
    expect(ctx.take()).toEqual([
      { peer: 'a', frame: graft([O]) },
      { peer: 'b', frame: prune([O]) },
    ])
    // Not scored: an honest parent whose upstream broke does the same (next test).
    expect(lies).toEqual([])
    expect(ctx.stats.hopClaimsRefused).toBe(1)
  })

  it('an honest parent whose own path from the origin broke (a reload, a partition) is pruned, never scored', () => {
    // Ring a-b-c-d around the origin's author d: b's copies travel one hop fewer than a's.
    tree.first('a', O, 2)
    tree.duplicate('b', O, 1) // not an echo: b became the parent on a real, shorter path
    expect(ctx.take()).toEqual([{ peer: 'a', frame: prune([O]) }])
    // b's own link to d goes (d's page reloads, or a partition cuts it): b has nothing to
    // push, and d's next edit reaches us by anti-entropy only.
    tree.repaired([O])
    tree.tick()
    tree.tick()
    expect(ctx.take()).toEqual([
      { peer: 'a', frame: graft([O]) },
      { peer: 'b', frame: prune([O]) },
    ])
    expect(lies).toEqual([])
    // The next push through a names a as the parent again; b's first copy later grafts b back.
    tree.first('a', O, 3)
    tree.first('b', O, 1)
    expect(ctx.take()).toEqual([{ peer: 'b', frame: graft([O]) }])
    expect(lies).toEqual([])
  })

  it('a parent won by hop count that then delivers (first or duplicate) is kept', () => {
    tree.first('b', O, 1)
    tree.first('a', O, 3)
    tree.duplicate('b', O, 1, { echo: true })
    tree.duplicate('b', O, 1)
    ctx.take()
    tree.repaired([O])
    tree.tick()
    tree.tick()
    expect(ctx.take()).toEqual([{ peer: 'a', frame: graft([O]) }])
    expect(lies).toEqual([])
  })

  it('a Prune of an origin we never pushed on that link is a lie; one we pushed is not', () => {
    tree.pushed('b', [O])
    tree.handle('b', prune([O]))
    expect(lies).toEqual([])
    tree.handle('b', prune([O, 4242]))
    expect(lies).toEqual(['b: a Prune of an origin we never pushed it'])
    expect(tree.eager('b', 4242)).toBe(false) // still obeyed: it only costs the liar
  })
})
