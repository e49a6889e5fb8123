/**
 * The presence relay budgets (open rooms), through the presence layer with real y-protocols
 * Awareness instances and small budgets: what a neighbour brings within its budget goes on at
 * once; beyond it the states are shown but held (left out of greetings), released as the
 * buckets refill as their latest state, dropped with a neighbour's session and removed
 * silently when it was cut off; a held client that arrives from another neighbour is that
 * neighbour's. With the per-link pace of layers/presence-outbox.ts on top, a link sends nothing
 * of a cut-off neighbour's silently removed states, and no state the relay budget still holds.
 * Time is the recording context's virtual clock.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as decoding from 'lib0/decoding'
import * as Y from 'yjs'
import { encodeAwarenessUpdate, type Awareness } from 'y-protocols/awareness'
import { Presence, roomAwareness } from '../../src/layers/presence.js'
import { DEFAULT_RELAY_BUDGET, RELEASE_MS, type RelayBudget } from '../../src/layers/presence-relay.js'
import { FrameType } from '../../src/protocol/messages.js'
import { DEFAULT_LIMITS } from '../../src/limits/content-limits.js'
import { RecordingContext } from '../support/layer-harness.js'
import { RecordingTree } from '../support/signed-presence.js'

/** About 300 bytes per entry: 3 fresh states fit the fresh burst, the fourth waits. */
const BUDGET: RelayBudget = { freshBytesPerSecond: 1000, freshBurst: 1000, bytesPerSecond: 8000, burst: 8000 }
const FILL = 'x'.repeat(280)

let ctx: RecordingContext
let awareness: Awareness
let presence: Presence
/** A source of remote states: one Awareness whose update carries any clients we set. */
let source: Awareness

beforeEach(() => {
  ctx = new RecordingContext()
  const doc = new Y.Doc()
  doc.clientID = 1
  awareness = roomAwareness(doc, undefined, true)
  awareness.setLocalState({ name: 'me' })
  presence = new Presence(ctx, awareness, true, new RecordingTree(), undefined, DEFAULT_LIMITS, BUDGET)
  const other = new Y.Doc()
  other.clientID = 999
  source = roomAwareness(other, undefined, true)
  for (const peer of ['a', 'b', 'c']) presence.up(peer, true)
  ctx.take()
})

afterEach(() => {
  presence.destroy()
  awareness.destroy()
  source.destroy()
})

/** An Awareness frame with the states of `clients`, each `{ n, step }`, at clock `step + 1`. */
function frameOf(clients: readonly number[], step = 0) {
  const states = source.getStates()
  for (const client of clients) {
    states.set(client, { n: client, step, fill: FILL })
    source.meta.set(client, { clock: step + 1, lastUpdated: 0 })
  }
  return { type: FrameType.Awareness, room: '', update: encodeAwarenessUpdate(source, [...clients]) } as const
}

/** Drains the frames sent: per frame its peers and the states it carried (client → step, or null). */
function sent(): { peers: string[]; states: [number, number | null | undefined][] }[] {
  const frames = new Map<object, string[]>()
  for (const { peer, frame } of ctx.take()) {
    if (frame.type !== FrameType.Awareness) continue
    frames.set(frame, [...(frames.get(frame) ?? []), peer])
  }
  return [...frames].map(([frame, peers]) => {
    const decoder = decoding.createDecoder((frame as { update: Uint8Array }).update)
    const states: [number, number | null | undefined][] = []
    for (let n = decoding.readVarUint(decoder); n > 0; n--) {
      const client = decoding.readVarUint(decoder)
      decoding.readVarUint(decoder)
      const state = JSON.parse(decoding.readVarString(decoder)) as { step?: number } | null
      states.push([client, state === null ? null : state.step])
    }
    return { peers, states }
  })
}

/**
 * Runs `body` with a second presence layer (clientID 2) that also paces what it passes on per
 * link (frames of 16 a second, bursts of 16: a link's share is 1 a second, bursts of 1,
 * presence-outbox.ts), on relay budget `budget`, linked to a, b and c; destroyed after.
 */
async function withPaced(budget: RelayBudget, body: (paced: Presence, own: Awareness) => Promise<void>): Promise<void> {
  const doc = new Y.Doc()
  doc.clientID = 2
  const own = roomAwareness(doc, undefined, true)
  const paced = new Presence(ctx, own, true, new RecordingTree(), undefined, DEFAULT_LIMITS, budget, { framesPerSecond: 16, frameBurst: 16 })
  for (const peer of ['a', 'b', 'c']) paced.up(peer, true)
  ctx.take()
  try {
    await body(paced, own)
  } finally {
    paced.destroy()
    own.destroy()
  }
}

describe('within the budget', () => {
  it('a neighbour’s updates go on at once, and cursor moves of known clients at human rates never wait', async () => {
    presence.onAwareness('a', frameOf([7, 8]))
    expect(sent()).toEqual([{ peers: ['b', 'c'], states: [[7, 0], [8, 0]] }])
    // Two clients moving 10 times a second for 2 s: 6 KB/s, within the all-states budget.
    for (let step = 1; step <= 20; step++) {
      presence.onAwareness('a', frameOf([7], step))
      presence.onAwareness('a', frameOf([8], step))
      await ctx.clock.advance(100)
    }
    expect(sent()).toHaveLength(40)
    expect(ctx.stats.presenceHeld).toBe(0)
  })

  it('with the default budgets, 16 clients moving at 20 Hz through one neighbour are never held', async () => {
    presence.destroy()
    presence = new Presence(ctx, awareness, true, new RecordingTree(), undefined, DEFAULT_LIMITS, DEFAULT_RELAY_BUDGET)
    for (const peer of ['a', 'b']) presence.up(peer, true)
    sent()
    const clients = Array.from({ length: 16 }, (_, i) => 100 + i)
    presence.onAwareness('a', frameOf(clients))
    for (let step = 1; step <= 40; step++) {
      for (const client of clients) presence.onAwareness('a', frameOf([client], step))
      await ctx.clock.advance(50)
    }
    expect(sent()).toHaveLength(1 + 16 * 40)
    expect(ctx.stats.presenceHeld).toBe(0)
  })
})

describe('over the budget', () => {
  it('new clients past the fresh budget are shown but held, left out of greetings, and go on as it refills, in order', async () => {
    presence.onAwareness('a', frameOf([11, 12, 13, 14, 15]))
    expect(sent()).toEqual([{ peers: ['b', 'c'], states: [[11, 0], [12, 0], [13, 0]] }])
    expect(ctx.stats.presenceHeld).toBe(2)
    expect([...awareness.getStates().keys()].sort((x, y) => x - y)).toEqual([1, 11, 12, 13, 14, 15])
    presence.up('d', true)
    expect(sent().map((f) => [f.peers, f.states.map(([client]) => client)])).toEqual([[['d'], [1, 11, 12, 13]]])
    // 300 bytes at 1,000 bytes per second: one more state about every 300 ms.
    await ctx.clock.advance(RELEASE_MS)
    expect(sent()).toEqual([])
    await ctx.clock.advance(300)
    expect(sent()).toEqual([{ peers: ['b', 'c', 'd'], states: [[14, 0]] }])
    await ctx.clock.advance(300)
    expect(sent()).toEqual([{ peers: ['b', 'c', 'd'], states: [[15, 0]] }])
  })

  it('a removal for clients never shown leaves no clock behind, and a state after it still counts as fresh', () => {
    const removals = (clients: readonly number[], clock: number) => {
      for (const client of clients) source.meta.set(client, { clock, lastUpdated: 0 })
      source.states.clear()
      return { type: FrameType.Awareness, room: '', update: encodeAwarenessUpdate(source, [...clients]) } as const
    }
    presence.onAwareness('a', removals([21, 22, 23, 24, 25], 5))
    expect([...awareness.meta.keys()]).toEqual([1])
    expect(sent()).toEqual([])
    // Five new clients at a later clock: three fit the fresh burst, two wait (not the larger budget of known clients).
    presence.onAwareness('a', frameOf([21, 22, 23, 24, 25], 9))
    expect(sent()).toEqual([{ peers: ['b', 'c'], states: [[21, 9], [22, 9], [23, 9]] }])
    expect(ctx.stats.presenceHeld).toBe(2)
  })

  it('several updates of a held client coalesce: its latest state goes on once', async () => {
    presence.onAwareness('a', frameOf([11, 12, 13, 14]))
    sent()
    for (let step = 1; step <= 5; step++) presence.onAwareness('a', frameOf([14], step))
    expect(sent()).toEqual([])
    await ctx.clock.advance(1000)
    expect(sent()).toEqual([{ peers: ['b', 'c'], states: [[14, 5]] }])
    expect(ctx.stats.presenceHeld).toBe(1)
  })

  it('a held client that arrives from another neighbour is forwarded on that neighbour’s budget', () => {
    presence.onAwareness('a', frameOf([11, 12, 13, 14]))
    sent()
    presence.onAwareness('b', frameOf([14], 1))
    expect(sent()).toEqual([{ peers: ['a', 'c'], states: [[14, 1]] }])
    presence.down('a', true)
    expect(awareness.getStates().has(14)).toBe(true)
    expect(ctx.stats.presenceDropped).toBe(0)
  })
})

describe('when the neighbour goes', () => {
  it('cut off: what it brought and we still held is removed here, and nobody is told', async () => {
    presence.onAwareness('a', frameOf([11, 12, 13, 14, 15]))
    sent()
    presence.down('a', true)
    expect([...awareness.getStates().keys()].sort((x, y) => x - y)).toEqual([1, 11, 12, 13])
    expect(ctx.stats.presenceDropped).toBe(2)
    await ctx.clock.advance(5000)
    expect(sent()).toEqual([])
  })

  it('a plain close: held relays are dropped, the states stay and are greeted from then on', async () => {
    presence.onAwareness('a', frameOf([11, 12, 13, 14]))
    sent()
    presence.down('a')
    await ctx.clock.advance(5000)
    expect(sent()).toEqual([])
    expect(awareness.getStates().has(14)).toBe(true)
    presence.up('d', true)
    expect(sent().map((f) => f.states.map(([client]) => client))).toEqual([[1, 11, 12, 13, 14]])
  })

  it('cut off while links hold what it brought: the per-link pace sends nothing of it, no removal either', async () => {
    await withPaced(BUDGET, async (paced, own) => {
      paced.onAwareness('a', frameOf([11, 12, 13]))
      expect(sent()).toEqual([{ peers: ['b', 'c'], states: [[11, 0], [12, 0], [13, 0]] }])
      // Links b and c are out of tokens: 13's next state waits there; then the relay budget runs out and holds 13's latest.
      paced.onAwareness('a', frameOf([13], 1))
      for (let step = 1; step <= 14; step++) paced.onAwareness('a', frameOf([11, 12], step))
      paced.onAwareness('a', frameOf([13], 2))
      expect(sent()).toEqual([])
      expect(ctx.stats.presenceHeld).toBeGreaterThan(0)
      expect(ctx.stats.presencePaced).toBeGreaterThan(0)
      paced.down('a', true)
      expect([...own.getStates().keys()]).toEqual([2])
      await ctx.clock.advance(5000)
      expect(sent()).toEqual([])
    })
  })

  it('a link sends no state the relay budget still holds: it goes when the budget releases it', async () => {
    // About 300 bytes per entry: four fit the relay's burst, then it refills at a third of one a second.
    const slow: RelayBudget = { freshBytesPerSecond: 1000, freshBurst: 1000, bytesPerSecond: 100, burst: 1300 }
    await withPaced(slow, async (paced) => {
      paced.onAwareness('a', frameOf([11, 12, 13]))
      expect(sent()).toEqual([{ peers: ['b', 'c'], states: [[11, 0], [12, 0], [13, 0]] }])
      paced.onAwareness('a', frameOf([13], 1)) // within the relay budget; the links, out of tokens, hold it
      paced.onAwareness('a', frameOf([13], 2)) // over the relay budget: held there
      expect(ctx.stats.presenceHeld).toBe(1)
      await ctx.clock.advance(1000) // the links' next token: 13 is the relay's to release
      expect(sent()).toEqual([])
      await ctx.clock.advance(4000)
      expect(sent()).toEqual([{ peers: ['b', 'c'], states: [[13, 2]] }])
    })
  })

  it('removals go on at once, and a removed held client is not sent later', async () => {
    presence.onAwareness('a', frameOf([11, 12, 13, 14]))
    sent()
    source.getStates().delete(14)
    source.meta.set(14, { clock: 2, lastUpdated: 0 })
    presence.onAwareness('a', { type: FrameType.Awareness, room: '', update: encodeAwarenessUpdate(source, [14]) })
    expect(sent()).toEqual([{ peers: ['b', 'c'], states: [[14, null]] }])
    await ctx.clock.advance(5000)
    expect(sent()).toEqual([])
  })
})
