/**
 * Broadcast, with a real Y.Doc behind a real Replica: local updates are pushed to every
 * neighbour, received deltas are applied once, emitted and forwarded, duplicates prune the
 * push tree, Prune and Graft frames steer it, and repaired content is pushed on as a repair
 * delta. Remote updates come from a second Y.Doc with a fixed clientID.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Activity } from '../../src/engine/activity.js'
import { hash53 } from '../../src/hash.js'
import { Broadcast } from '../../src/layers/broadcast.js'
import { FrameType, type DeltaFrame } from '../../src/protocol/messages.js'
import { Replica } from '../../src/replica.js'
import { RecordingContext } from '../support/layer-harness.js'
import { DEFAULT_BUDGETS } from '../../src/layers/peer-budgets.js'

const AUTHOR = 77

let ctx: RecordingContext
let doc: Y.Doc
let activity: Activity
let broadcast: Broadcast
let author: Y.Doc
let authored: Uint8Array[]

function setup(push = true): void {
  ctx = new RecordingContext()
  doc = new Y.Doc()
  activity = new Activity()
  const replica = new Replica(doc, 'remote-origin', (update) => broadcast.publish(update))
  broadcast = new Broadcast(ctx, { push, budgets: DEFAULT_BUDGETS }, replica, activity, () => doc.clientID)
  for (const peer of ['a', 'b', 'c']) broadcast.up(peer, true)
  broadcast.up('t', false)
  author = new Y.Doc()
  author.clientID = AUTHOR
  authored = []
  author.on('update', (update: Uint8Array) => authored.push(update))
}

beforeEach(() => setup())

/** The author writes `text`; returns its update. */
function write(text: string): Uint8Array {
  author.getText('t').insert(0, text)
  return authored.at(-1) ?? new Uint8Array()
}

function delta(update: Uint8Array, hop: number, fields: Partial<DeltaFrame> = {}): DeltaFrame {
  return { type: FrameType.Delta, room: '', id: hash53(update), hop, origin: AUTHOR, update, ...fields }
}

describe('publishing a local update', () => {
  it('pushes it once, hop 0 with our origin, to every neighbour but not transient links', () => {
    activity.round()
    doc.getText('t').insert(0, 'x')
    const update = Y.encodeStateAsUpdate(doc)
    expect(ctx.batches).toEqual([{ peers: ['a', 'b', 'c'], frame: { type: FrameType.Delta, room: 'r', id: hash53(update), hop: 0, origin: doc.clientID, update } }])
    expect(activity.quietRounds).toBe(0)
  })

  it('skips a peer that pruned our origin until it grafts it again', () => {
    broadcast.onPrune('b', { type: FrameType.Prune, room: '', origins: [doc.clientID] })
    doc.getText('t').insert(0, 'x')
    expect(ctx.batches.map((b) => b.peers)).toEqual([['a', 'c']])
    ctx.take()
    broadcast.onGraft('b', { type: FrameType.Graft, room: '', origins: [doc.clientID] })
    doc.getText('t').insert(0, 'y')
    expect(ctx.batches.map((b) => b.peers)).toEqual([['a', 'b', 'c']])
    ctx.take()
    broadcast.onPrune('b', { type: FrameType.Prune, room: '', origins: [doc.clientID] })
    broadcast.onGraft('b', { type: FrameType.Graft, room: '', origins: [] })
    doc.getText('t').insert(0, 'z')
    expect(ctx.batches.map((b) => b.peers)).toEqual([['a', 'b', 'c']])
  })

  it('publishes nothing with push off', () => {
    setup(false)
    doc.getText('t').insert(0, 'x')
    expect(ctx.take()).toEqual([])
  })
})

describe('receiving a delta', () => {
  it('applies the first copy, emits delta:receive and forwards it one hop further to the others', () => {
    const update = write('hi')
    broadcast.onDelta('a', delta(update, 2))
    expect(doc.getText('t').toString()).toBe('hi')
    expect(ctx.emitted).toEqual([{ event: 'delta:receive', payload: { peerId: 'a', id: hash53(update), hop: 2, bytes: update.byteLength } }])
    expect(ctx.batches).toEqual([{ peers: ['b', 'c'], frame: delta(update, 3) }])
    expect(ctx.stats).toMatchObject({ deltasReceived: 1, payloadsReceived: 1, duplicateDeltas: 0 })
  })

  it('a duplicate is counted, not applied again nor forwarded, and prunes its sender', () => {
    const update = write('hi')
    broadcast.onDelta('a', delta(update, 1))
    ctx.take()
    broadcast.onDelta('b', delta(update, 1))
    expect(ctx.take()).toEqual([{ peer: 'b', frame: { type: FrameType.Prune, room: 'r', origins: [AUTHOR] } }])
    expect(ctx.stats).toMatchObject({ deltasReceived: 2, duplicateDeltas: 1, prunesSent: 1 })
    expect(ctx.emitted).toHaveLength(1)
  })

  it('a duplicate with fewer hops prunes the old parent link instead, from a peer that delivered that origin first before', () => {
    broadcast.onDelta('b', delta(write('first'), 1))
    const update = write('hi')
    broadcast.onDelta('a', delta(update, 3))
    ctx.take()
    broadcast.onDelta('b', delta(update, 1))
    expect(ctx.take()).toEqual([{ peer: 'a', frame: { type: FrameType.Prune, room: 'r', origins: [AUTHOR] } }])
  })

  it('a shorter copy crossing our push from a peer with no first delivery of that origin moves no parent', () => {
    const update = write('hi')
    broadcast.onDelta('a', delta(update, 3))
    ctx.take()
    broadcast.onDelta('b', delta(update, 1))
    expect(ctx.take()).toEqual([{ peer: 'b', frame: { type: FrameType.Prune, room: 'r', origins: [AUTHOR] } }])
    expect(ctx.stats.hopClaimsRefused).toBe(1)
  })

  it('an echo of our push at hop 0 moves no parent; under our own origin it is a lie; our content re-encoded makes no parent', () => {
    const lies: string[] = []
    broadcast = new Broadcast(ctx, { push: true, budgets: DEFAULT_BUDGETS, lied: (peer, what) => lies.push(`${peer}: ${what}`) }, new Replica(doc, 'remote-origin', () => {}), activity, () => doc.clientID)
    for (const peer of ['a', 'b']) broadcast.up(peer, true)
    broadcast.onDelta('a', delta(write('h'), 2))
    const update = write('i')
    broadcast.onDelta('a', delta(update, 2))
    ctx.take()
    broadcast.onDelta('b', delta(update, 0))
    expect(ctx.take()).toEqual([{ peer: 'b', frame: { type: FrameType.Prune, room: 'r', origins: [AUTHOR] } }])
    expect(ctx.stats.hopClaimsRefused).toBe(1)
    expect(lies).toEqual([])
    // The same content re-encoded (another id) changed nothing: no first copy, so no Graft back.
    broadcast.onDelta('b', delta(Y.encodeStateAsUpdate(author), 0))
    expect(ctx.take()).toEqual([])
    expect(ctx.stats).toMatchObject({ duplicateDeltas: 1, deltasNotForwarded: 1 })
    // Our own edit coming back at hop 0: only we publish under our origin.
    doc.getText('t').insert(0, 'x')
    const own = ctx.batches.at(-1)?.frame as DeltaFrame
    broadcast.onDelta('b', { ...own, hop: 0 })
    expect(lies).toEqual(['b: hop 0 under our own origin'])
  })

  it('a first copy on a link we pruned grafts it back, and is forwarded', () => {
    broadcast.onDelta('a', delta(write('1'), 1))
    broadcast.onDelta('b', delta(authored.at(-1) ?? new Uint8Array(), 1))
    ctx.take()
    const next = write('2')
    broadcast.onDelta('b', delta(next, 1))
    const sent = ctx.take()
    expect(sent.filter((s) => s.frame.type === FrameType.Graft)).toEqual([{ peer: 'b', frame: { type: FrameType.Graft, room: 'r', origins: [AUTHOR] } }])
    expect(sent.filter((s) => s.frame.type === FrameType.Delta).map((s) => s.peer)).toEqual(['a', 'c'])
    expect(ctx.stats.graftsSent).toBe(1)
  })

  it('is not forwarded to a peer that pruned its origin', () => {
    broadcast.onPrune('c', { type: FrameType.Prune, room: '', origins: [AUTHOR] })
    broadcast.onDelta('a', delta(write('hi'), 0))
    expect(ctx.batches.map((b) => b.peers)).toEqual([['b']])
  })

  it('when the parent link goes down, its origins are grafted where we pruned them', () => {
    const update = write('hi')
    broadcast.onDelta('a', delta(update, 1))
    broadcast.onDelta('b', delta(update, 1))
    ctx.take()
    broadcast.down('a')
    expect(ctx.take()).toEqual([{ peer: 'b', frame: { type: FrameType.Graft, room: 'r', origins: [AUTHOR] } }])
  })

  it('an invalid update is rejected and reported, and the document is untouched', () => {
    const garbage = new Uint8Array([1, 2, 3, 4])
    const before = Y.encodeStateVector(doc)
    broadcast.onDelta('a', delta(garbage, 1))
    expect(ctx.stats.framesRejected).toBe(1)
    expect(ctx.errorNames()).toEqual(['UpdateRejectedError'])
    expect(ctx.errors[0]?.peer).toBe('a')
    expect(Y.encodeStateVector(doc)).toEqual(before)
    expect([ctx.emitted, ctx.take()]).toEqual([[], []])
  })

  it('with push off, is applied but not forwarded', () => {
    setup(false)
    broadcast.onDelta('a', delta(write('hi'), 1))
    expect(doc.getText('t').toString()).toBe('hi')
    expect(ctx.take()).toEqual([])
  })
})

describe('repair deltas', () => {
  it('content repaired by anti-entropy is pushed on as a repair, and its authors are grafted after a silent round', () => {
    broadcast.onDelta('a', delta(write('1'), 1))
    broadcast.onDelta('b', delta(authored.at(-1) ?? new Uint8Array(), 1))
    ctx.take()
    const missed = write('2')
    Y.applyUpdate(doc, missed, 'remote-origin')
    broadcast.repaired('c', missed, hash53(missed))
    expect(ctx.batches).toEqual([
      { peers: ['a', 'b'], frame: { type: FrameType.Delta, room: 'r', id: hash53(missed), hop: 0, origin: doc.clientID, repair: true, update: missed } },
    ])
    ctx.take()
    broadcast.tick()
    expect(ctx.take()).toEqual([])
    broadcast.tick()
    expect(ctx.take()).toEqual([{ peer: 'b', frame: { type: FrameType.Graft, room: 'r', origins: [AUTHOR] } }])
  })

  it('a repair delta that brings news is forwarded; one that changed nothing here stops', () => {
    const update = write('hi')
    broadcast.onDelta('a', delta(update, 0, { repair: true, origin: 5 }))
    expect(ctx.batches).toEqual([{ peers: ['b', 'c'], frame: delta(update, 1, { repair: true, origin: 5 }) }])
    broadcast.onDelta('a', delta(write('yo'), 0))
    ctx.take()
    const sameContent = Y.encodeStateAsUpdate(author) // both updates merged: new bytes, no news
    expect(hash53(sameContent)).not.toBe(hash53(update))
    broadcast.onDelta('b', delta(sameContent, 0, { repair: true, origin: 6 }))
    expect(ctx.batches).toEqual([])
  })

  it('a pushed delta that changed nothing here (content we hold, under new bytes) is not forwarded either', () => {
    broadcast.onDelta('a', delta(write('hi'), 0))
    broadcast.onDelta('a', delta(write('yo'), 0))
    ctx.take()
    const replayed = Y.encodeStateAsUpdate(author)
    broadcast.onDelta('c', delta(replayed, 0))
    expect(ctx.batches).toEqual([])
    expect(ctx.stats.deltasNotForwarded).toBe(1)
    expect(doc.getText('t').toString()).toBe('yohi')
  })
})

describe('forwarding past the pace a neighbour grants (forward-pacer.ts)', () => {
  it('sheds on that link alone, owes it a catch-up soon and then each round, and forwards again once it is caught up', async () => {
    const small = { ...DEFAULT_BUDGETS, framesPerSecond: 4, frameBurst: 4 }
    const catchUps: string[] = []
    ctx = new RecordingContext()
    doc = new Y.Doc()
    const replica = new Replica(doc, 'remote-origin', () => {})
    broadcast = new Broadcast(ctx, { push: true, budgets: small, catchUp: (peer) => catchUps.push(peer) }, replica, new Activity(), () => doc.clientID)
    for (const peer of ['a', 'b']) broadcast.up(peer, true)
    // Half of a burst of 4: two deltas from 'a' go on to 'b', the third is shed.
    for (const text of ['1', '2', '3']) broadcast.onDelta('a', delta(write(text), 0))
    expect(ctx.take().map((s) => s.peer)).toEqual(['b', 'b'])
    expect(ctx.stats.deltasShed).toBe(1)
    // The first catch-up soon after the link started shedding, then one each round.
    await ctx.clock.advance(1000)
    expect(catchUps).toEqual(['b'])
    broadcast.tick()
    expect(catchUps).toEqual(['b', 'b'])
    // Tokens are back, yet a digest that is not ours does not catch it up, nor does a reply in
    // parts (what was shed while they went out may be missing: it asks for another catch-up).
    broadcast.caughtUp('b', replica.digest() + 1)
    broadcast.answered('b', true)
    expect(catchUps).toEqual(['b', 'b', 'b'])
    broadcast.onDelta('a', delta(write('4'), 0))
    expect(ctx.take()).toEqual([])
    // One whole SyncReply does.
    broadcast.answered('b', false)
    broadcast.onDelta('a', delta(write('5'), 0))
    expect(ctx.take().map((s) => s.peer)).toEqual(['b'])
    broadcast.tick()
    broadcast.answered('b', true)
    expect(catchUps).toEqual(['b', 'b', 'b'])
  })

  it('a neighbour whose digest is ours is caught up', () => {
    const catchUps: string[] = []
    ctx = new RecordingContext()
    doc = new Y.Doc()
    const replica = new Replica(doc, 'remote-origin', () => {})
    broadcast = new Broadcast(ctx, { push: true, budgets: { ...DEFAULT_BUDGETS, framesPerSecond: 2, frameBurst: 2 }, catchUp: (peer) => catchUps.push(peer) }, replica, new Activity(), () => doc.clientID)
    for (const peer of ['a', 'b']) broadcast.up(peer, true)
    for (const text of ['1', '2']) broadcast.onDelta('a', delta(write(text), 0))
    expect(ctx.stats.deltasShed).toBe(1)
    broadcast.caughtUp('b', replica.digest())
    broadcast.tick()
    expect(catchUps).toEqual([])
  })
})

describe('a first copy that is held', () => {
  it('is not passed on, and tells the room to ask its sender for what it builds on', () => {
    const held: string[] = []
    ctx = new RecordingContext()
    doc = new Y.Doc()
    broadcast = new Broadcast(ctx, { push: true, budgets: DEFAULT_BUDGETS, held: (peer) => held.push(peer) }, new Replica(doc, 'remote-origin', () => {}), new Activity(), () => doc.clientID)
    for (const peer of ['a', 'b']) broadcast.up(peer, true)
    write('1')
    const second = write('2') // builds on the first, which 'a' never sent us
    broadcast.onDelta('a', delta(second, 0))
    expect(held).toEqual(['a'])
    expect(ctx.take()).toEqual([])
    expect(doc.getText('t').toString()).toBe('')
  })
})

