/**
 * Room events on the recording context: a RoomEvent is delivered and passed on only when it is
 * newer than the last delivered of its name from its origin, so nothing that would not be
 * delivered travels on (a late copy whose id was forgotten, a replay under a fresh id, our own
 * event coming back); and the Lamport time a peer adopts from others stays below the highest
 * one a frame may carry, so its own emits keep counting.
 */
import { describe, expect, it } from 'vitest'
import { MAX_ADOPTED_LTIME, RoomEvents } from '../../src/layers/room-events.js'
import { FrameType } from '../../src/protocol/messages.js'
import type { RoomEventFrame } from '../../src/protocol/messages-members.js'
import { RecordingContext } from '../support/layer-harness.js'

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
