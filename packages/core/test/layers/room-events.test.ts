/**
 * Room events on the recording context: a RoomEvent is delivered and passed on only when it is
 * newer than the last delivered of its name from its origin, so nothing that would not be
 * delivered travels on (a late copy whose id was forgotten, a replay under a fresh id, our own
 * event coming back); and the Lamport time a peer adopts from others stays below the highest
 * one a frame may carry, so its own emits keep counting. In a room with a secret, events,
 * queries and answers are signed by the member they name, and forgeries are refused.
 */
import { describe, expect, it } from 'vitest'
import { trustSigning } from '../../src/engine/membership.js'
import { EventSigner } from '../../src/layers/event-signing.js'
import { MAX_ADOPTED_LTIME, RoomEvents } from '../../src/layers/room-events.js'
import type { EventPayload } from '../../src/member-types.js'
import { FrameType } from '../../src/protocol/messages.js'
import type { QueryFrame, QueryReplyFrame, RoomEventFrame } from '../../src/protocol/messages-members.js'
import type { RoomTrust } from '../../src/trust/room-trust.js'
import { RecordingContext, testTrust, trustedContext, until } from '../support/layer-harness.js'

const NEIGHBOURS = ['a', 'b', 'c']

function setup() {
  const ctx = new RecordingContext()
  const events = new RoomEvents(ctx, 20, { neighbours: () => NEIGHBOURS, meta: () => ({}), answer: () => undefined, replied: () => undefined })
  const received = (): unknown[] => ctx.emitted.filter((e) => e.event === 'event:receive').map((e) => (e.payload as { payload: unknown }).payload)
  return { ctx, events, received }
}

const event = (id: number, ltime: number, value: unknown, origin = 'o'): RoomEventFrame => ({
  type: FrameType.RoomEvent,
  room: 'r',
  id,
  origin,
  ltime,
  name: 'deploy',
  payload: { json: true, data: new TextEncoder().encode(JSON.stringify(value)) },
})

/** An events layer of a room with a secret, running as `trust`'s peer: its answers, replies and signature checks recorded. */
function counted(trust: RoomTrust, answer?: () => Promise<EventPayload | undefined>) {
  const ctx = trustedContext(trust)
  const signing = trustSigning(trust)
  let verifications = 0
  const replies: { id: number; from: string; payload: unknown }[] = []
  const events = new RoomEvents(
    ctx,
    20,
    { neighbours: () => NEIGHBOURS, meta: () => ({}), answer: () => answer?.(), replied: (id, from, payload) => replies.push({ id, from, payload }) },
    { sign: (data) => signing.sign(data), verify: (peer, data, signature) => (verifications++, signing.verify(peer, data, signature)) },
  )
  const received = (): unknown[] => ctx.emitted.filter((e) => e.event === 'event:receive').map((e) => (e.payload as { from: string }).from)
  return { ctx, events, replies, received, verifications: () => verifications }
}

/** Alice asks "ping" in a room with a secret; bob answers "pong"; mallory is a member too. */
async function aliceAsks() {
  const [alice, bob, mallory] = await Promise.all([testTrust(), testTrust(), testTrust()])
  const a = counted(alice)
  const b = counted(bob, async () => 'pong')
  const id = a.events.query('ping', null, 5000, { peers: [], meta: {} })
  await until(() => a.ctx.sent.length > 0)
  const query = a.ctx.takeOf(FrameType.Query)[0]!.frame
  return { alice, bob, mallory, a, b, id, query }
}

describe('room events', () => {
  it('a new event is delivered once and passed to every neighbour but its sender; a copy of its id stops', () => {
    const { ctx, events, received } = setup()
    events.onRoomEvent('a', event(1, 5, 'v5'))
    events.onRoomEvent('b', event(1, 5, 'v5'))
    expect(received()).toEqual(['v5'])
    expect(ctx.takeOf(FrameType.RoomEvent).map((s) => s.peer)).toEqual(['b', 'c'])
  })

  it('an older or equal Lamport time under a fresh id (a replay, or a late copy whose id was forgotten) is neither delivered nor passed on', () => {
    const { ctx, events, received } = setup()
    events.onRoomEvent('a', event(1, 5, 'v5'))
    ctx.take()
    events.onRoomEvent('b', event(2, 5, 'replayed'))
    events.onRoomEvent('b', event(3, 4, 'older'))
    expect(received()).toEqual(['v5'])
    expect(ctx.take()).toEqual([])
    // A newer one of the same name and origin goes on; another origin or name is its own line.
    events.onRoomEvent('b', event(4, 6, 'v6'))
    events.onRoomEvent('b', event(5, 1, 'other origin', 'p'))
    expect(received()).toEqual(['v5', 'v6', 'other origin'])
    expect(ctx.takeOf(FrameType.RoomEvent)).toHaveLength(4)
  })

  it('our own event, or one claiming our origin, is never delivered or passed on', () => {
    const { ctx, events, received } = setup()
    events.onRoomEvent('a', event(9, 3, 'forged', ctx.peerId))
    expect(received()).toEqual([])
    expect(ctx.take()).toEqual([])
  })

  it('after an event at the highest Lamport time a frame can carry, our own emits still count up and encode', async () => {
    const { ctx, events, received } = setup()
    events.onRoomEvent('a', event(1, Number.MAX_SAFE_INTEGER, 'top'))
    expect(received()).toEqual(['top'])
    ctx.take()
    events.emit('mine', 1)
    events.emit('other', 2)
    await ctx.clock.advance(20)
    const sent = ctx.takeOf(FrameType.RoomEvent).filter((s) => s.peer === 'a').map((s) => s.frame.ltime)
    expect(sent).toEqual([MAX_ADOPTED_LTIME + 1, MAX_ADOPTED_LTIME + 2])
    expect(ctx.errors).toEqual([])
  })
})

describe('query answers', () => {
  it('a relay passes each member\'s answer towards the asker once: replays and second answers go nowhere', () => {
    const { ctx, events } = setup()
    const query: QueryFrame = { type: FrameType.Query, room: 'r', id: 9, origin: 'asker', name: 'q', timeoutMs: 1000, peers: [], meta: [], payload: { json: true, data: new TextEncoder().encode('1') } }
    events.onQuery('a', query)
    ctx.take()
    const reply = (from: string, value: number): QueryReplyFrame => ({ type: FrameType.QueryReply, room: 'r', id: 9, from, payload: { json: true, data: new TextEncoder().encode(String(value)) } })
    for (const frame of [reply('x', 1), reply('x', 1), reply('x', 2), reply('y', 3)]) events.onQueryReply('b', frame)
    expect(ctx.takeOf(FrameType.QueryReply).map((s) => [s.peer, s.frame.from])).toEqual([['a', 'x'], ['a', 'y']])
  })

  it('an echo of our own query does not take its route: answers still reach us', () => {
    const ctx = new RecordingContext()
    const replies: string[] = []
    const asker = new RoomEvents(ctx, 20, { neighbours: () => NEIGHBOURS, meta: () => ({}), answer: () => undefined, replied: (_, from) => replies.push(from) })
    const id = asker.query('q', 1, 1000, { peers: [], meta: {} })
    const frame = ctx.takeOf(FrameType.Query)[0]!.frame
    asker.onQuery('b', frame)
    asker.onQueryReply('c', { type: FrameType.QueryReply, room: 'r', id, from: 'x', payload: { json: true, data: new TextEncoder().encode('1') } })
    expect([replies, ctx.take()]).toEqual([['x'], []])
  })
})

describe('room events in a room with a secret', () => {
  it("an emit is signed by the emitting member and delivered; one in another member's name, unsigned or altered is refused, and the genuine copy still goes through", async () => {
    const [alice, bob, mallory] = await Promise.all([testTrust(), testTrust(), testTrust()])
    const a = counted(alice)
    const b = counted(bob)
    a.events.emit('deploy', { v: 1 })
    await a.ctx.clock.advance(20)
    await until(() => a.ctx.sent.length > 0)
    const genuine = a.ctx.takeOf(FrameType.RoomEvent)[0]!.frame
    expect(genuine.signature).toHaveLength(64)
    const forged = await new EventSigner(alice.keys.room, trustSigning(mallory)).sign({ ...genuine, signature: undefined })
    const altered = { ...genuine, payload: { json: true, data: new TextEncoder().encode('{"v":2}') } }
    const unsigned = { ...genuine, signature: undefined }
    for (const frame of [forged, altered, unsigned]) b.events.onRoomEvent('a', frame)
    await until(() => b.ctx.errors.length === 3)
    expect(b.ctx.errorNames()).toEqual(['RoomEventError', 'RoomEventError', 'RoomEventError'])
    expect(b.ctx.stats.framesRejected).toBe(3)
    expect([b.received(), b.ctx.take()]).toEqual([[], []])
    // The same id, genuinely signed, was not poisoned by the forgeries.
    b.events.onRoomEvent('a', genuine)
    await until(() => b.received().length === 1)
    expect(b.received()).toEqual([alice.peerId])
    expect(b.ctx.takeOf(FrameType.RoomEvent).map((s) => [s.peer, s.frame.signature])).toEqual([['b', genuine.signature], ['c', genuine.signature]])
  })

  it("a query and its answer are signed by their members; an answer in another member's name is refused", async () => {
    const { alice, bob, mallory, a, b, id, query } = await aliceAsks()
    b.events.onQuery('a', query)
    await until(() => b.ctx.sent.some((s) => s.frame.type === FrameType.QueryReply))
    const reply = b.ctx.takeOf(FrameType.QueryReply).find((s) => s.peer === 'a')!.frame
    expect([reply.from, reply.signature?.length]).toEqual([bob.peerId, 64])
    const forged = await new EventSigner(alice.keys.room, trustSigning(mallory)).sign({ ...reply, signature: undefined })
    a.events.onQueryReply('a', forged)
    await until(() => a.ctx.errors.length === 1)
    expect(a.ctx.errorNames()).toEqual(['RoomEventError'])
    a.events.onQueryReply('a', reply)
    await until(() => a.replies.length === 1)
    expect(a.replies).toEqual([{ id, from: bob.peerId, payload: 'pong' }])
  })
})

describe('room events in a room with a secret, against an insider', () => {
  it("an insider's own event reusing another member's id first does not shadow the genuine one", async () => {
    const [alice, bob, mallory] = await Promise.all([testTrust(), testTrust(), testTrust()])
    const b = counted(bob)
    const genuine = await new EventSigner(alice.keys.room, trustSigning(alice)).sign(event(42, 1, 'from alice', alice.peerId))
    const squatter = await new EventSigner(alice.keys.room, trustSigning(mallory)).sign(event(42, 1, 'from mallory', mallory.peerId))
    b.events.onRoomEvent('c', squatter)
    await until(() => b.received().length === 1)
    b.events.onRoomEvent('a', genuine)
    await until(() => b.received().length === 2)
    expect(b.received()).toEqual([mallory.peerId, alice.peerId])
  })

  it('copies of one event arriving from several neighbours at once share one signature check', async () => {
    const [alice, bob] = await Promise.all([testTrust(), testTrust()])
    const b = counted(bob)
    const genuine = await new EventSigner(alice.keys.room, trustSigning(alice)).sign(event(7, 1, 'v', alice.peerId))
    for (const peer of NEIGHBOURS) b.events.onRoomEvent(peer, genuine)
    await until(() => b.received().length === 1)
    expect(b.verifications()).toBe(1)
    expect(b.ctx.errors).toEqual([])
  })

  it('an answer counts once per member (replays go nowhere), and only for the query its signature names', async () => {
    const { alice, bob, mallory, a, b, id, query } = await aliceAsks()
    // Mallory's own query with alice's id reaches bob first: bob answers both, each signed for its asker.
    const squat = await new EventSigner(alice.keys.room, trustSigning(mallory)).sign({ ...query, origin: mallory.peerId, signature: undefined })
    b.events.onQuery('c', squat)
    b.events.onQuery('a', query)
    await until(() => b.ctx.sent.filter((s) => s.frame.type === FrameType.QueryReply).length === 2)
    const replies = b.ctx.takeOf(FrameType.QueryReply)
    const toMallory = replies.find((s) => s.peer === 'c')!.frame
    const toAlice = replies.find((s) => s.peer === 'a')!.frame
    // The answer made for mallory's query is refused as an answer to alice's.
    a.events.onQueryReply('a', toMallory)
    await until(() => a.ctx.errors.length === 1)
    expect(a.ctx.errorNames()).toEqual(['RoomEventError'])
    // Three copies at once: one shared check, one answer.
    for (let i = 0; i < 3; i++) a.events.onQueryReply('a', toAlice)
    await until(() => a.replies.length === 1)
    expect(a.replies).toEqual([{ id, from: bob.peerId, payload: 'pong' }])
    expect(a.verifications()).toBe(2)
  })
})
