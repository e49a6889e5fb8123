/**
 * The overlay, admission and maintenance: whether a joiner's Hello is accepted (evicting for
 * a high priority), inbound slot reservations, dialing while below the minimum (with
 * starvation escalation), what a failed dial means, and the peer samples it shares. The
 * session layer is a recording {@link SessionControl}.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { AbortError, PeerFullError, TransportError } from '../../src/errors.js'
import { Overlay, type OverlayConfig } from '../../src/layers/overlay.js'
import { CloseCode, FrameType, JoinPriority } from '../../src/protocol/messages.js'
import { RecordingContext, RecordingSessionControl } from '../support/layer-harness.js'

let ctx: RecordingContext
let control: RecordingSessionControl
let overlay: Overlay
let room: AbortController

function setup(config: Partial<OverlayConfig> = {}): void {
  ctx = new RecordingContext({ peerId: 'me', seed: 7 })
  control = new RecordingSessionControl()
  room = new AbortController()
  overlay = new Overlay(ctx, { maxNeighbours: 3, minNeighbours: 2, maxPassive: 10, reservationMs: 3000, retryMs: 10_000, ...config }, control, room.signal)
}

beforeEach(() => setup())

/** A session with `peer` came up. */
function link(peer: string, neighbour = true, initiator = true): void {
  control.sessions.add(peer)
  overlay.up(peer, { neighbour, initiator, transport: 'memory' })
}

describe('join (a Hello)', () => {
  it('accepts while the active view has room', () => {
    link('a')
    link('b')
    control.sessions.add('j') // the joiner's own session holds a slot already
    expect(overlay.join('j', JoinPriority.Low)).toEqual({ accept: true })
    expect(control.closes).toEqual([])
  })

  it('refuses a low priority when full, with a sample of other peers that includes ourselves', () => {
    for (const p of ['a', 'b', 'c']) link(p)
    overlay.discovered('p1')
    control.sessions.add('j')
    const decision = overlay.join('j', JoinPriority.Low)
    expect(decision).toMatchObject({ accept: false, code: CloseCode.Full })
    if (decision.accept) return
    expect(decision.peers).toContain('me')
    expect(decision.peers).not.toContain('j')
    expect(new Set(decision.peers)).toEqual(new Set(['a', 'b', 'c', 'p1', 'me']))
    expect(overlay.join('j', JoinPriority.Transient)).toMatchObject({ accept: false, code: CloseCode.Full })
  })

  it('accepts a high priority when full by evicting a random neighbour, telling it where to go', () => {
    for (const p of ['a', 'b', 'c']) link(p)
    control.sessions.add('j')
    expect(overlay.join('j', JoinPriority.High)).toEqual({ accept: true })
    expect(control.closes).toHaveLength(1)
    const [eviction] = control.closes
    expect(['a', 'b', 'c']).toContain(eviction?.peer)
    expect(eviction?.code).toBe(CloseCode.Evicted)
    expect(eviction?.peers).toContain('me')
    expect(eviction?.peers).not.toContain(eviction?.peer)
  })

  it('accepts a high priority even with nobody to evict (every slot is still in handshake)', () => {
    for (const p of ['x', 'y', 'z', 'j']) control.sessions.add(p)
    expect(overlay.join('j', JoinPriority.High)).toEqual({ accept: true })
    expect(control.closes).toEqual([])
  })
})

describe('admit (an inbound connection a transport wants to set up)', () => {
  it('reserves a slot until the connection opens', () => {
    expect(overlay.admit('x')).toBe(true)
    expect(overlay.slotsUsed()).toBe(1)
    expect(overlay.admit('x')).toBe(true)
    expect(overlay.slotsUsed()).toBe(1)
    overlay.opened('x')
    expect(overlay.slotsUsed()).toBe(0)
  })

  it('a reservation that never opens expires on the clock', async () => {
    overlay.admit('x')
    await ctx.clock.advance(2999)
    expect(overlay.slotsUsed()).toBe(1)
    await ctx.clock.advance(1)
    expect(overlay.slotsUsed()).toBe(0)
  })

  it('refuses when full, unless the dialer is urgent: then a neighbour is evicted', () => {
    for (const p of ['a', 'b', 'c']) link(p)
    expect(overlay.admit('x')).toBe(false)
    expect(control.closes).toEqual([])
    expect(overlay.admit('x', true)).toBe(true)
    expect(control.closes).toMatchObject([{ code: CloseCode.Evicted }])
    expect(overlay.slotsUsed()).toBe(3)
  })

  it('an urgent dialer is refused when every slot is a reservation (no neighbour to evict)', () => {
    for (const p of ['x', 'y', 'z']) overlay.admit(p)
    expect(overlay.admit('u', true)).toBe(false)
    expect(control.closes).toEqual([])
  })

  it('refuses everything once the room closed, and closeAll releases reservations', () => {
    overlay.admit('x')
    overlay.closeAll(CloseCode.Leaving)
    expect(overlay.slotsUsed()).toBe(0)
    room.abort()
    expect(overlay.admit('y')).toBe(false)
  })
})

describe('maintain (dialing while below the minimum)', () => {
  it('with no slot in use, the first dial asks for room (High), the others do not', () => {
    for (const p of ['p1', 'p2', 'p3']) overlay.discovered(p, 'webrtc')
    overlay.maintain(false)
    expect(control.dials.map((d) => [d.priority, d.transport])).toEqual([
      [JoinPriority.High, 'webrtc'],
      [JoinPriority.Low, 'webrtc'],
    ])
    expect(new Set(control.dials.map((d) => d.peer)).size).toBe(2)
  })

  it('dials nobody at the minimum, nor a peer it already has a session with', () => {
    link('a')
    link('b')
    overlay.discovered('p1')
    overlay.maintain(false, true)
    expect(control.dials).toEqual([])
    setup()
    link('a')
    overlay.discovered('a')
    overlay.maintain(false)
    expect(control.dials).toEqual([])
  })

  it('escalates to a high-priority dial after two rounds below the minimum, then starts over', () => {
    link('a')
    for (const p of ['p1', 'p2', 'p3']) overlay.discovered(p)
    const round = (): string | undefined => {
      overlay.maintain(false, true)
      const [dial] = control.dials.splice(0)
      if (dial === undefined) return undefined
      control.fail(dial.peer, new PeerFullError('full'))
      return dial.priority === JoinPriority.High ? 'High' : 'Low'
    }
    expect([round(), round(), round(), round()]).toEqual(['Low', 'High', 'Low', 'High'])
  })

  it('asks a neighbour for peers when it knows nobody to dial', () => {
    link('a')
    overlay.maintain(false)
    expect(ctx.take()).toEqual([])
    overlay.maintain(true)
    const sent = ctx.takeOf(FrameType.Peers)
    expect(sent).toEqual([{ peer: 'a', frame: { type: FrameType.Peers, room: 'r', peers: ['me'], reply: false } }])
  })

  it('does nothing once the room closed', () => {
    overlay.discovered('p1')
    room.abort()
    overlay.maintain(true, true)
    expect(control.dials).toEqual([])
  })
})

describe('a dial that fails', () => {
  beforeEach(() => {
    overlay.discovered('p')
    overlay.maintain(false)
    expect(control.takeDials()).toEqual([`p:${JoinPriority.High}`])
  })

  it('because the peer is full keeps it a passive candidate, unreported', () => {
    control.fail('p', new PeerFullError('full'))
    expect(overlay.views.passive()).toEqual(['p'])
    expect(overlay.views.failed()).toEqual([])
    expect(ctx.errors).toEqual([])
  })

  it('with a transport error or an abort moves it to the lost peers, unreported', () => {
    control.fail('p', new TransportError('unreachable'))
    expect(overlay.views.passive()).toEqual([])
    expect(overlay.views.failed()).toEqual(['p'])
    overlay.discovered('q')
    overlay.maintain(false)
    control.fail('q', new AbortError())
    expect(overlay.views.failed()).toEqual(['p', 'q'])
    expect(ctx.errors).toEqual([])
  })

  it('with anything else is reported as a TransportError carrying the cause', () => {
    const cause = new Error('boom')
    control.fail('p', cause)
    expect(overlay.views.failed()).toEqual(['p'])
    expect(ctx.errors).toHaveLength(1)
    expect(ctx.errors[0]).toMatchObject({ peer: 'p', error: { name: 'TransportError', cause } })
  })
})

describe('sample (peers shared in a handshake, shuffle or goodbye)', () => {
  it('holds at most eight peers, ourselves last, never the peer it is for', () => {
    link('a')
    for (let i = 0; i < 10; i++) overlay.learn([`p${i}`], 'memory', `n${i % 4}`)
    const shared = overlay.sample('p3')
    expect(shared).toHaveLength(8)
    expect(shared.at(-1)).toBe('me')
    expect(shared).not.toContain('p3')
    expect(new Set(shared).size).toBe(8)
  })

  it('includes neighbours as well as passive peers', () => {
    link('a')
    link('b')
    expect(new Set(overlay.sample('b'))).toEqual(new Set(['a', 'me']))
  })
})
