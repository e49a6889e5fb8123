/**
 * The mesh relay: signals go straight to a neighbour, else flood neighbours with a TTL;
 * relayed frames are delivered to us as `signal` events, deduplicated by id, and passed on
 * one hop shorter until their TTL runs out.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { MeshRelay, RELAY_TTL } from '../../src/layers/mesh-relay.js'
import { FrameType, LIMITS, type RelayFrame } from '../../src/protocol/messages.js'
import { RecordingContext } from '../support/layer-harness.js'

let ctx: RecordingContext
let relay: MeshRelay
let signals: { from: string; data: Uint8Array }[]

beforeEach(() => {
  ctx = new RecordingContext({ peerId: 'me' })
  relay = new MeshRelay(ctx)
  relay.up('a', true)
  relay.up('b', true)
  relay.up('t', false)
  signals = []
  relay.on('signal', (signal) => signals.push(signal))
})

const payload = new Uint8Array([1, 2, 3])

function relayed(fields: Partial<RelayFrame> = {}): RelayFrame {
  return { type: FrameType.Relay, room: '', id: 42, origin: 'o', target: 'z', ttl: 2, payload, ...fields }
}

describe('sending a signal', () => {
  it('goes straight to a neighbour', () => {
    expect(relay.send('a', payload)).toBe(true)
    expect(ctx.batches).toHaveLength(1)
    expect(ctx.batches[0]?.peers).toEqual(['a'])
    expect(ctx.batches[0]?.frame).toMatchObject({ type: FrameType.Relay, room: 'r', origin: 'me', target: 'a', ttl: RELAY_TTL, payload })
  })

  it('floods every neighbour (not transient links) when the target is not one', () => {
    expect(relay.send('z', payload)).toBe(true)
    expect(ctx.batches.map((b) => b.peers)).toEqual([['a', 'b']])
    expect(ctx.batches[0]?.frame).toMatchObject({ target: 'z', ttl: RELAY_TTL })
  })

  it('fails with no neighbour to carry it, or when it is too large', () => {
    expect(relay.maxSignalBytes).toBe(LIMITS.relayBytes)
    expect(relay.send('z', new Uint8Array(LIMITS.relayBytes + 1))).toBe(false)
    relay.down('a')
    relay.down('b')
    expect(relay.send('z', payload)).toBe(false)
    expect(ctx.take()).toEqual([])
  })

  it('its own copy coming back is dropped', () => {
    relay.send('z', payload)
    const frame = ctx.batches[0]?.frame as RelayFrame
    ctx.take()
    relay.onRelay('a', { ...frame, ttl: frame.ttl - 1 })
    expect([ctx.take(), signals]).toEqual([[], []])
  })
})

describe('a relayed frame', () => {
  it('addressed to us is delivered as a signal from its origin, not passed on', () => {
    relay.onRelay('a', relayed({ target: 'me' }))
    expect(signals).toEqual([{ from: 'o', data: payload }])
    expect(ctx.take()).toEqual([])
  })

  it('is delivered or passed on once per id', () => {
    relay.onRelay('a', relayed({ target: 'me' }))
    relay.onRelay('b', relayed({ target: 'me' }))
    relay.onRelay('a', relayed({ id: 43 }))
    relay.onRelay('b', relayed({ id: 43 }))
    expect(signals).toHaveLength(1)
    expect(ctx.batches).toHaveLength(1)
  })

  it('for a neighbour goes straight to it, one hop shorter', () => {
    relay.onRelay('a', relayed({ target: 'b', ttl: 3 }))
    expect(ctx.batches).toEqual([{ peers: ['b'], frame: relayed({ target: 'b', ttl: 2 }) }])
  })

  it('for someone else floods the other neighbours, one hop shorter', () => {
    relay.up('c', true)
    relay.onRelay('a', relayed({ ttl: 3 }))
    expect(ctx.batches).toEqual([{ peers: ['b', 'c'], frame: relayed({ ttl: 2 }) }])
  })

  it('with no hops left is not passed on', () => {
    relay.onRelay('a', relayed({ ttl: 0 }))
    expect(ctx.take()).toEqual([])
  })

  it('that we originated is not passed on', () => {
    relay.onRelay('a', relayed({ origin: 'me', id: 7 }))
    expect(ctx.take()).toEqual([])
  })

  it('after destroy() no signal is emitted', () => {
    relay.destroy()
    relay.onRelay('a', relayed({ target: 'me' }))
    expect(signals).toEqual([])
  })

  it('after destroy() nothing is passed on, and send() refuses', () => {
    relay.destroy()
    relay.onRelay('a', relayed({ ttl: 3 }))
    relay.up('c', true)
    expect(relay.send('a', payload)).toBe(false)
    expect(relay.send('z', payload)).toBe(false)
    expect(ctx.take()).toEqual([])
  })

  it('a throwing signal listener is reported, not thrown', () => {
    relay.on('signal', () => {
      throw new Error('listener failed')
    })
    relay.onRelay('a', relayed({ target: 'me' }))
    expect(signals).toHaveLength(1)
    expect(ctx.errors.map((e) => e.error.message)).toEqual(['listener failed'])
  })
})
