/**
 * Presence, with real y-protocols Awareness instances: greetings to new neighbours, local
 * changes sent once to every neighbour, remote updates forwarded only when new (and reported
 * to the push trees as first copies or duplicates), renewal and expiry on the virtual
 * clock, leaving, and presence switched off. The push trees are a recording port.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as decoding from 'lib0/decoding'
import * as Y from 'yjs'
import { applyAwarenessUpdate, encodeAwarenessUpdate, type Awareness } from 'y-protocols/awareness'
import { OUTDATED_MS, Presence, RENEW_MS, roomAwareness } from '../../src/layers/presence.js'
import { FrameType } from '../../src/protocol/messages.js'
import { RecordingContext } from '../support/layer-harness.js'
import { RecordingTree } from '../support/signed-presence.js'

let ctx: RecordingContext
let awareness: Awareness
let tree: RecordingTree
let presence: Presence
const others: Awareness[] = []

function setup(enabled = true): void {
  ctx = new RecordingContext()
  const doc = new Y.Doc()
  doc.clientID = 1
  awareness = roomAwareness(doc, undefined, true) // its own wall-clock timer is stopped
  awareness.setLocalState({ name: 'me' })
  tree = new RecordingTree()
  presence = new Presence(ctx, awareness, enabled, tree)
}

beforeEach(() => setup())

afterEach(() => {
  presence.destroy()
  for (const a of [awareness, ...others.splice(0)]) a.destroy()
})

/** Another client's awareness holding `state`. */
function remote(clientID: number, state: Record<string, unknown>): Awareness {
  const doc = new Y.Doc()
  doc.clientID = clientID
  const other = roomAwareness(doc, undefined, true)
  other.setLocalState(state)
  others.push(other)
  return other
}

/** The update of `other`'s own client. */
function updateOf(other: Awareness): Uint8Array {
  return encodeAwarenessUpdate(other, [other.clientID])
}

/** Client id → state, as carried by an awareness update. */
function statesIn(update: Uint8Array): Map<number, unknown> {
  const decoder = decoding.createDecoder(update)
  const states = new Map<number, unknown>()
  for (let n = decoding.readVarUint(decoder); n > 0; n--) {
    const client = decoding.readVarUint(decoder)
    decoding.readVarUint(decoder) // clock
    states.set(client, JSON.parse(decoding.readVarString(decoder)))
  }
  return states
}

/** Drains the Awareness frames sent: one entry per sendMany batch or send, with its peers and states. */
function batches(): { peers: string[]; states: Map<number, unknown> }[] {
  const out = ctx.batches.map((b) => ({ peers: b.peers, frame: b.frame }))
  const single = ctx.sent.filter((s) => !ctx.batches.some((b) => b.frame === s.frame)).map((s) => ({ peers: [s.peer], frame: s.frame }))
  ctx.take()
  return [...single, ...out].flatMap(({ peers, frame }) => (frame.type === FrameType.Awareness ? [{ peers, states: statesIn(frame.update) }] : []))
}

function awarenessFrame(update: Uint8Array) {
  return { type: FrameType.Awareness, room: '', update } as const
}

describe('greeting', () => {
  it('a new neighbour gets every state we know; a transient link gets nothing', () => {
    presence.up('x', true)
    presence.onAwareness('x', awarenessFrame(updateOf(remote(7, { name: 'seven' }))))
    ctx.take()
    presence.up('a', true)
    presence.up('t', false)
    expect(batches()).toEqual([{ peers: ['a'], states: new Map<number, unknown>([[1, { name: 'me' }], [7, { name: 'seven' }]]) }])
  })
})

describe('local changes', () => {
  it('go to every neighbour in one encoding, except those that pruned our client', () => {
    presence.up('a', true)
    presence.up('b', true)
    ctx.take()
    awareness.setLocalStateField('cursor', 3)
    expect(ctx.batches).toHaveLength(1)
    expect(batches()).toEqual([{ peers: ['a', 'b'], states: new Map([[1, { name: 'me', cursor: 3 }]]) }])
    tree.pruned.add('b:1')
    awareness.setLocalStateField('cursor', 4)
    expect(batches().map((b) => b.peers)).toEqual([['a']])
  })

  it('leave() tells the neighbours our state is gone; a neighbour that went down hears nothing', () => {
    presence.up('a', true)
    presence.up('b', true)
    presence.down('b')
    ctx.take()
    presence.leave()
    expect(batches()).toEqual([{ peers: ['a'], states: new Map([[1, null]]) }])
    expect(awareness.getLocalState()).toBeNull()
  })
})

describe('remote updates', () => {
  beforeEach(() => {
    for (const peer of ['a', 'b', 'c']) presence.up(peer, true)
    ctx.take()
  })

  it('a new one is forwarded to the other neighbours and counts as a first copy', () => {
    const seven = remote(7, { name: 'seven' })
    presence.onAwareness('a', awarenessFrame(updateOf(seven)))
    expect(batches()).toEqual([{ peers: ['b', 'c'], states: new Map([[7, { name: 'seven' }]]) }])
    expect(tree.firsts).toEqual([['a', 7]])
    expect(awareness.getStates().get(7)).toEqual({ name: 'seven' })
  })

  it('one that brings nothing new is not forwarded and counts as a duplicate', () => {
    const update = updateOf(remote(7, { name: 'seven' }))
    presence.onAwareness('a', awarenessFrame(update))
    ctx.take()
    presence.onAwareness('b', awarenessFrame(update))
    expect(batches()).toEqual([])
    expect(tree.duplicates).toEqual([['b', 7]])
  })

  it('an update of several clients is forwarded to every other neighbour without consulting the trees', () => {
    const seven = remote(7, { n: 7 })
    applyAwarenessUpdate(seven, updateOf(remote(8, { n: 8 })), 'test')
    tree.pruned.add('b:7')
    presence.onAwareness('a', awarenessFrame(encodeAwarenessUpdate(seven, [7, 8])))
    expect(batches()).toEqual([{ peers: ['b', 'c'], states: new Map([[7, { n: 7 }], [8, { n: 8 }]]) }])
    expect([tree.firsts, tree.duplicates]).toEqual([[], []])
  })

  it('an update that does not parse is reported and sends nothing', () => {
    presence.onAwareness('a', awarenessFrame(new Uint8Array([5, 1])))
    expect(ctx.errorNames()).toEqual(['UpdateRejectedError'])
    expect(ctx.errors[0]?.peer).toBe('a')
    expect([batches(), tree.firsts, tree.duplicates]).toEqual([[], [], []])
  })
})

describe('renewal and expiry on the virtual clock', () => {
  it(`the local state is renewed after ${RENEW_MS} ms so peers never drop it`, async () => {
    presence.up('a', true)
    ctx.take()
    await ctx.clock.advance(RENEW_MS - 1)
    expect(batches()).toEqual([])
    await ctx.clock.advance(1)
    expect(batches()).toEqual([{ peers: ['a'], states: new Map([[1, { name: 'me' }]]) }])
  })

  it(`a remote state not renewed for ${OUTDATED_MS} ms is dropped, and the neighbours are told`, async () => {
    presence.up('a', true)
    presence.up('b', true)
    presence.onAwareness('a', awarenessFrame(updateOf(remote(7, { name: 'seven' }))))
    ctx.take()
    await ctx.clock.advance(OUTDATED_MS - 1)
    expect(awareness.getStates().has(7)).toBe(true)
    batches()
    await ctx.clock.advance(1)
    expect(awareness.getStates().has(7)).toBe(false)
    expect(awareness.getStates().has(1)).toBe(true)
    expect(batches().filter((b) => b.states.has(7))).toEqual([{ peers: ['a', 'b'], states: new Map([[7, null]]) }])
  })

  it('destroy() stops listening and renewing', async () => {
    presence.up('a', true)
    ctx.take()
    presence.destroy()
    awareness.setLocalStateField('cursor', 1)
    await ctx.clock.advance(2 * OUTDATED_MS)
    expect(ctx.take()).toEqual([])
  })
})

describe('seeing everyone, and presence off', () => {
  it('seesEveryone is true when we hold a state for at least that many clients, counting only states that came through a link we still hold', () => {
    presence.up('a', true)
    presence.onAwareness('a', awarenessFrame(updateOf(remote(7, {}))))
    expect([presence.seesEveryone(2), presence.seesEveryone(3)]).toEqual([true, false])
    // The link to a went down: client 7's state is still held (until it expires), but may be
    // all that is left of the far side of a partition, so it no longer proves connectivity.
    presence.down('a')
    expect(awareness.getStates().has(7)).toBe(true)
    expect(presence.seesEveryone(2)).toBe(false)
  })

  it('with presence off nothing is sent and the trees are not consulted, though states still apply', async () => {
    presence.destroy()
    setup(false)
    presence.up('a', true)
    awareness.setLocalStateField('cursor', 1)
    presence.onAwareness('a', awarenessFrame(updateOf(remote(7, { name: 'seven' }))))
    await ctx.clock.advance(2 * OUTDATED_MS)
    expect(ctx.take()).toEqual([])
    expect([tree.firsts, tree.duplicates]).toEqual([[], []])
    expect(awareness.getStates().has(7)).toBe(true)
    expect(presence.seesEveryone(1)).toBe(false)
  })
})
