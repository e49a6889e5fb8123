/**
 * Presence limits, with real y-protocols Awareness instances: an awareness update over the
 * size, state-count, state-size or depth limits is refused before y-protocols parses it
 * (nothing stored, nothing forwarded), a peer stores at most `awarenessStatesPerRoom`
 * states, and a newcomer gets every state even when they do not fit in one frame.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { encodeAwarenessUpdate, type Awareness } from 'y-protocols/awareness'
import { LimitExceededError } from '../../src/errors.js'
import { resolveLimits, type RoomLimits } from '../../src/limits/content-limits.js'
import { Presence, roomAwareness, type PresenceTree } from '../../src/layers/presence.js'
import { FrameType, type AwarenessFrame } from '../../src/protocol/messages.js'
import { RecordingContext } from '../support/layer-harness.js'

const tree: PresenceTree = { eager: () => true, pushed: () => {}, first: () => {}, duplicate: () => {} }
const made: Awareness[] = []
const layers: Presence[] = []

afterEach(() => {
  for (const layer of layers.splice(0)) layer.destroy()
  for (const a of made.splice(0)) a.destroy()
})

function awarenessOf(clientID: number, state: unknown): Awareness {
  const doc = new Y.Doc()
  doc.clientID = clientID
  const a = roomAwareness(doc, undefined, true)
  if (state !== undefined) a.setLocalState(state as Record<string, unknown>)
  made.push(a)
  return a
}

function setup(limits: Partial<RoomLimits>) {
  const ctx = new RecordingContext()
  const awareness = awarenessOf(1, { name: 'me' })
  const presence = new Presence(ctx, awareness, true, tree, undefined, resolveLimits(limits))
  layers.push(presence)
  presence.up('a', true)
  presence.up('b', true)
  ctx.take()
  return { ctx, awareness, presence }
}

function frame(update: Uint8Array): AwarenessFrame {
  return { type: FrameType.Awareness, room: '', update }
}

/** One update carrying the states of `count` clients from `first` on. */
function many(first: number, count: number, state: unknown = { n: 1 }, clock = 1): Uint8Array {
  const holder = awarenessOf(999_999, undefined)
  for (let i = 0; i < count; i++) holder.states.set(first + i, state as Record<string, unknown>)
  for (let i = 0; i < count; i++) holder.meta.set(first + i, { clock, lastUpdated: 0 })
  return encodeAwarenessUpdate(holder, Array.from({ length: count }, (_, i) => first + i))
}

function expectRefused(ctx: RecordingContext, limit: string): void {
  const error = ctx.errors.at(-1)?.error
  expect(error).toBeInstanceOf(LimitExceededError)
  expect((error as LimitExceededError).limit).toBe(limit)
}

describe('presence limits', () => {
  it('refuses updates over awarenessBytes, awarenessStates, awarenessStateBytes and awarenessDepth', () => {
    const { ctx, awareness, presence } = setup({ awarenessBytes: 4096, awarenessStates: 4, awarenessStateBytes: 512, awarenessDepth: 4 })
    presence.onAwareness('a', frame(many(100, 2, { big: 'x'.repeat(3000) })))
    expectRefused(ctx, 'awarenessBytes')
    presence.onAwareness('a', frame(many(100, 5)))
    expectRefused(ctx, 'awarenessStates')
    presence.onAwareness('a', frame(many(100, 1, { big: 'x'.repeat(600) })))
    expectRefused(ctx, 'awarenessStateBytes')
    presence.onAwareness('a', frame(many(100, 1, { a: [[[[[1]]]]] })))
    expectRefused(ctx, 'awarenessDepth')
    expect(awareness.getStates().size).toBe(1)
    expect(ctx.take()).toEqual([])
    expect(ctx.stats.limitRejections).toBe(4)
    presence.onAwareness('a', frame(many(100, 4)))
    expect(awareness.getStates().size).toBe(5)
  })

  it('stores at most awarenessStatesPerRoom states', () => {
    const { ctx, awareness, presence } = setup({ awarenessStates: 10, awarenessStatesPerRoom: 20 })
    presence.onAwareness('a', frame(many(100, 10)))
    presence.onAwareness('a', frame(many(200, 9)))
    expect(awareness.getStates().size).toBe(20)
    presence.onAwareness('a', frame(many(300, 1)))
    expectRefused(ctx, 'awarenessStatesPerRoom')
    expect(awareness.getStates().size).toBe(20)
    // Updates of states already stored still pass.
    presence.onAwareness('b', frame(many(100, 10, { n: 2 }, 2)))
    expect(awareness.getStates().get(105)).toEqual({ n: 2 })
  })

  it('a newcomer gets every state, in several frames when they do not fit in one', () => {
    const { ctx, awareness, presence } = setup({ awarenessBytes: 2048, awarenessStates: 8 })
    for (let i = 0; i < 6; i++) presence.onAwareness('a', frame(many(100 + i * 8, 8, { s: 'y'.repeat(100) })))
    expect(awareness.getStates().size).toBe(49)
    ctx.take()
    presence.up('newcomer', true)
    const sent = ctx.take().filter((s) => s.peer === 'newcomer')
    expect(sent.length).toBeGreaterThan(1)
    const learnt = awarenessOf(77, undefined)
    const target = new Presence(new RecordingContext(), learnt, true, tree, undefined, resolveLimits({ awarenessBytes: 2048, awarenessStates: 8 }))
    layers.push(target)
    for (const { frame: f } of sent) {
      expect((f as AwarenessFrame).update.byteLength).toBeLessThanOrEqual(2048)
      target.onAwareness('x', f as AwarenessFrame)
    }
    // Its own (empty) state, and the 49 it was sent.
    expect(learnt.getStates().size).toBe(50)
  })
})
