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
