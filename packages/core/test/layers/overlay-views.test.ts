/**
 * The overlay, views and healing: what a session going down means (by cause and close
 * code), dead peers, transient links, shuffles (answered, spaced out while they teach
 * nothing), reconnecting lost peers, filling free slots, rewiring, asking the transports
 * again while isolated, and the count of known peers. The session layer is a recording {@link SessionControl}.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { TransportError } from '../../src/errors.js'
import type { SessionDown } from '../../src/engine/session-ports.js'
import { Overlay } from '../../src/layers/overlay.js'
import { CloseCode, FrameType, JoinPriority } from '../../src/protocol/messages.js'
import { RecordingContext, RecordingSessionControl } from '../support/layer-harness.js'

let ctx: RecordingContext
let control: RecordingSessionControl
let overlay: Overlay

beforeEach(() => {
  ctx = new RecordingContext({ peerId: 'me', seed: 11 })
  control = new RecordingSessionControl()
  overlay = new Overlay(ctx, { maxNeighbours: 3, minNeighbours: 2, maxPassive: 10, reservationMs: 3000, retryMs: 10_000 }, control, new AbortController().signal)
})

function link(peer: string, neighbour = true, initiator = true): void {
  control.sessions.add(peer)
  overlay.up(peer, { neighbour, initiator, transport: 'memory' })
}

/** The session with `peer` ended (the session layer removed it first). */
function down(peer: string, info: Partial<SessionDown>): void {
  control.sessions.delete(peer)
  overlay.down(peer, { wasUp: true, cause: 'closed', peers: [], transport: 'memory', ...info })
}

describe('a session coming up', () => {
  it('makes a neighbour (in order) and takes the peer off the passive and lost lists', () => {
    overlay.discovered('a')
    down('b', { cause: 'lost' })
    link('a')
    link('b')
    link('t', false)
    expect(overlay.neighbours()).toEqual(['a', 'b'])
    expect(overlay.views.passive()).toEqual([])
    expect(overlay.views.failed()).toEqual([])
  })
})

describe('a session going down', () => {
  it('lost: the peer is remembered as failed and the overlay dials to get back to its minimum', () => {
    link('a')
    link('b')
    overlay.discovered('q')
    down('b', { cause: 'lost' })
    expect(overlay.neighbours()).toEqual(['a'])
    expect(overlay.views.failed()).toEqual(['b'])
    expect(control.takeDials()).toEqual([`q:${JoinPriority.Low}`])
  })

  it('a Disconnect Leaving: the peers it suggests are learned, the peer itself is forgotten', () => {
    link('p')
    down('p', { cause: 'disconnect', code: CloseCode.Leaving, peers: ['p', 'q', 'me'] })
    expect(overlay.views.passive()).toEqual(['q'])
    expect(overlay.views.failed()).toEqual([])
  })

  it('a Disconnect Timeout or ProtocolViolation: the peer is failed', () => {
    for (const code of [CloseCode.Timeout, CloseCode.ProtocolViolation]) {
      link('p')
      down('p', { cause: 'disconnect', code, peers: ['q'] })
      expect(overlay.views.failed()).toEqual(['p'])
      expect(overlay.views.passive()).toEqual(['q'])
      overlay.views.forget('p')
    }
  })

  it('a Disconnect Full or Evicted: the peer stays a passive candidate', () => {
    for (const code of [CloseCode.Full, CloseCode.Evicted]) {
      link('p')
      down('p', { cause: 'disconnect', code, peers: [], transport: 'webrtc' })
      expect(overlay.views.passive()).toEqual(['p'])
      expect(overlay.views.transportOf('p')).toBe('webrtc')
      expect(overlay.views.failed()).toEqual([])
    }
  })

  it('the sender is not learned from its own Disconnect (learning it would reset shuffle spacing)', () => {
    link('a')
    link('b')
    down('b', { cause: 'disconnect', code: CloseCode.Full, peers: ['b'] })
    overlay.periodicShuffle()
    expect(ctx.takeOf(FrameType.Peers)).toHaveLength(1)
    overlay.periodicShuffle() // nothing new was learned: the spacing doubled
    expect(ctx.takeOf(FrameType.Peers)).toHaveLength(0)
  })

  it('closed by us: nothing to remember', () => {
    link('p')
    down('p', { cause: 'closed' })
    expect([overlay.neighbours(), overlay.views.passive(), overlay.views.failed()]).toEqual([[], [], []])
  })

  // Regression: the overlay keyed links by peer and ignored `wasUp`. When a second session
  // with a peer ended before its handshake (a redial that timed out or was lost) while the
  // first one was open, the open link was forgotten and the peer even marked failed.
  it('a second session that never came up does not forget the open link', () => {
    link('b')
    overlay.down('b', { wasUp: false, cause: 'lost', peers: [], transport: 'memory' })
    expect(overlay.neighbours()).toEqual(['b'])
    expect(overlay.views.failed()).toEqual([])
  })
})

describe('dead peers and transient links', () => {
  it('dead: its session is closed with Timeout and the peer remembered as failed', () => {
    link('a')
    overlay.dead('a')
    expect(control.closes).toEqual([{ peer: 'a', code: CloseCode.Timeout, peers: undefined }])
    expect(overlay.views.failed()).toEqual(['a'])
  })

  it('exchangeDone closes only a transient link we dialed, with Done', () => {
    link('n', true, true)
    link('in', false, false)
    link('out', false, true)
    for (const p of ['n', 'in', 'out', 'unknown']) overlay.exchangeDone(p)
    expect(control.closes).toEqual([{ peer: 'out', code: CloseCode.Done, peers: undefined }])
  })
})

describe('shuffles', () => {
  it('a Peers request is learned and answered with our own sample; a reply is only learned', () => {
    link('a')
    overlay.onPeers('a', { type: FrameType.Peers, room: '', peers: ['x', 'me', 'a'], reply: false })
    expect(overlay.views.passive()).toEqual(['x'])
    const [answer, ...rest] = ctx.takeOf(FrameType.Peers)
    expect(rest).toEqual([])
    expect(answer?.peer).toBe('a')
    expect(answer?.frame).toMatchObject({ room: 'r', reply: true })
    expect(new Set(answer?.frame.peers)).toEqual(new Set(['x', 'me']))
    overlay.onPeers('a', { type: FrameType.Peers, room: '', peers: ['y'], reply: true })
    expect(ctx.take()).toEqual([])
    expect(overlay.views.passive()).toEqual(['x', 'y'])
  })

  it('the periodic shuffle spaces out (1, 2, 4, 8, 8 periods) while nothing new is learned, and resets on a new peer', () => {
    link('a')
    const shuffledAt: number[] = []
    for (let period = 1; period <= 34; period++) {
      if (period === 24) overlay.learn(['new'], 'memory', 'a')
      overlay.periodicShuffle()
      if (ctx.takeOf(FrameType.Peers).length > 0) shuffledAt.push(period)
    }
    expect(shuffledAt).toEqual([1, 3, 7, 15, 23, 31, 32, 34])
  })

  it('a shuffle with no neighbour sends nothing', () => {
    overlay.discovered('p')
    overlay.shuffle()
    expect(ctx.take()).toEqual([])
  })
})

describe('reconnect (partition healing)', () => {
  it('does nothing when the overlay is known to be connected', () => {
    link('a')
    overlay.dead('a')
    control.closes.length = 0
    overlay.reconnect(1, true)
    expect([control.dials, control.closes]).toEqual([[], []])
  })

  it('redials a lost peer that is due, with high priority', () => {
    link('a')
    link('l')
    overlay.dead('l')
    overlay.reconnect(0, false)
    expect(control.takeDials()).toEqual([`l:${JoinPriority.High}`])
  })

  it('waits retryMs before redialing a lost peer whose redial failed', async () => {
    link('a')
    link('b')
    link('l')
    overlay.dead('l')
    overlay.reconnect(0, false)
    control.fail('l', new TransportError('unreachable'))
    control.dials.length = 0
    overlay.reconnect(0, false) // not due yet, and no passive peer to fill a slot with
    expect(control.dials).toEqual([])
    await ctx.clock.advance(10_000)
    overlay.reconnect(0, false)
    expect(control.takeDials()).toEqual([`l:${JoinPriority.High}`])
  })

  it('frees a slot first when full', () => {
    for (const p of ['a', 'b', 'c']) link(p)
    down('l', { cause: 'lost' })
    overlay.reconnect(0, false)
    expect(control.closes).toHaveLength(1)
    expect(control.closes[0]).toMatchObject({ code: CloseCode.Evicted })
    expect(['a', 'b', 'c']).toContain(control.closes[0]?.peer)
    expect(control.takeDials()).toEqual([`l:${JoinPriority.High}`])
  })

  it('with no lost peer and a free slot, fills it half the time with a low-priority dial', () => {
    link('a')
    overlay.discovered('p')
    ctx.random.queue(0.4) // below the fill chance
    overlay.reconnect(0, false)
    expect(control.takeDials()).toEqual([`p:${JoinPriority.Low}`])
    overlay.discovered('q')
    ctx.random.queue(0.6, 0.99) // no fill, no rewire
    overlay.reconnect(1 / 8, false)
    expect(control.dials).toEqual([])
  })

  it('otherwise rewires with the given chance: a high-priority dial, freeing a slot when full', () => {
    link('a')
    overlay.discovered('p')
    ctx.random.queue(0.6, 0.01) // no fill; rewire
    overlay.reconnect(1 / 8, false)
    expect(control.takeDials()).toEqual([`p:${JoinPriority.High}`])
    control.inFlight.clear()
    link('b')
    link('c')
    ctx.random.queue(0.01) // full: no fill is drawn, the rewire is
    overlay.reconnect(1 / 8, false)
    expect(control.closes).toMatchObject([{ code: CloseCode.Evicted }])
    expect(control.takeDials()).toEqual([`p:${JoinPriority.High}`])
  })
})

describe('known peers', () => {
  it('counts ourselves, passive and lost peers, sessions and dials, each once', () => {
    link('a')
    overlay.discovered('p1')
    overlay.discovered('p2')
    down('l', { cause: 'lost' }) // also dials p1 or p2 to get back to the minimum
    expect(control.dials).toHaveLength(1)
    expect(overlay.knownCount()).toBe(5) // me, a, p1, p2, l
  })

  it('closeAll closes every session with the code and a sample without ourselves', () => {
    link('a')
    link('b')
    overlay.closeAll(CloseCode.Leaving)
    const [call] = control.closeAlls
    expect(call?.code).toBe(CloseCode.Leaving)
    expect(call?.samples.get('a')).toEqual(['b'])
    expect(call?.samples.get('b')).toEqual(['a'])
  })

  // Regression: a transport announcing a peer we are linked to put a neighbour in the
  // passive view, which room.knownPeers() lists as "known but unconnected".
  it('a discovered neighbour does not enter the passive view', () => {
    link('a')
    overlay.discovered('a', 'memory')
    expect(overlay.views.passive()).toEqual([])
  })
})

describe('rediscovery', () => {
  it('asks the transports again only while isolated: no session, no dial, no passive peer; paced, and reset by a neighbour', () => {
    let asked = 0
    overlay = new Overlay(ctx, { maxNeighbours: 3, minNeighbours: 2, maxPassive: 10, reservationMs: 3000, retryMs: 10_000, rediscoverMaxRounds: 4 }, control, new AbortController().signal, () => asked++)
    // Not isolated: a neighbour, or a dial in flight, or a passive peer to dial.
    link('a')
    overlay.maintain(false, true)
    down('a', { cause: 'closed' })
    overlay.discovered('q')
    overlay.maintain(false, true)
    expect(control.inFlight.has('q')).toBe(true)
    overlay.maintain(false, true)
    expect(asked).toBe(0)
    // The dial fails: nobody left to dial. Rounds 2, 4, 8, 12: spacing 2, 4, then the cap 4.
    control.inFlight.get('q')?.onFailure(new TransportError('unreachable'))
    control.inFlight.delete('q')
    const askedAt: number[] = []
    for (let round = 1; round <= 12; round++) {
      const before = asked
      overlay.maintain(false, true)
      if (asked > before) askedAt.push(round)
    }
    expect(askedAt).toEqual([2, 4, 8, 12])
    // Rounds that are not the periodic one (a discovery, a lost session) never ask.
    overlay.maintain(false)
    expect(asked).toBe(4)
    // A neighbour resets the pacing: isolated again, it asks on the second round.
    link('b')
    down('b', { cause: 'closed' })
    overlay.maintain(false, true)
    expect(asked).toBe(4)
    overlay.maintain(false, true)
    expect(asked).toBe(5)
  })
})

describe('members as candidates', () => {
  it('a peer that knows nobody beyond its links takes live members as candidates (and counts them as known); one with passive peers does not', () => {
    link('a')
    expect(overlay.knownCount()).toBe(2)
    overlay.learnMembers(() => ['a', 'far1', 'far2'])
    expect(overlay.views.passive().sort()).toEqual(['far1', 'far2'])
    expect(overlay.knownCount()).toBe(4)
    let asked = false
    overlay.learnMembers(() => ((asked = true), ['far3']))
    expect(asked).toBe(false)
    expect(overlay.views.passive().sort()).toEqual(['far1', 'far2'])
  })

  it('without a link there is no transport to reach members through: nothing is learned', () => {
    overlay.learnMembers(() => ['far1'])
    expect(overlay.views.passive()).toEqual([])
  })
})
