/**
 * The overlay's eclipse defences, unit by unit (docs/SECURITY.md, Eclipse and sybils):
 * inbound requests never evict the self-dialled neighbours of the outbound quota and evict
 * at most one neighbour per `evictEveryMs` (bursts of two); one source holds at most a
 * quarter of the passive view, so a flood of bogus ids leaves the rest to other sources;
 * and the "I see everyone" shortcut counts only presence that came through a neighbour we
 * dialled. The session layer is a recording {@link SessionControl}; time is virtual.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { encodeAwarenessUpdate, type Awareness } from 'y-protocols/awareness'
import { EVICTION_BURST, PRESSURE_REFUSALS, outboundQuota } from '../../src/layers/admission.js'
import { Overlay, type OverlayConfig } from '../../src/layers/overlay.js'
import { PeerViews } from '../../src/layers/peer-views.js'
import { Presence, roomAwareness } from '../../src/layers/presence.js'
import { CloseCode, FrameType, JoinPriority, LIMITS } from '../../src/protocol/messages.js'
import { seededRandom } from '../../src/random.js'
import { RecordingContext, RecordingSessionControl } from '../support/layer-harness.js'
import { RecordingTree } from '../support/signed-presence.js'

let ctx: RecordingContext
let control: RecordingSessionControl
let overlay: Overlay

function setup(config: Partial<OverlayConfig> = {}): void {
  ctx = new RecordingContext({ peerId: 'me', seed: 11 })
  control = new RecordingSessionControl()
  overlay = new Overlay(ctx, { maxNeighbours: 6, minNeighbours: 5, maxPassive: 32, reservationMs: 3000, retryMs: 10_000, evictEveryMs: 1000, ...config }, control, new AbortController().signal)
}

beforeEach(() => setup())

/** A session with `peer` came up; `initiator`: we dialled it. */
function link(peer: string, initiator: boolean): void {
  control.sessions.add(peer)
  overlay.up(peer, { neighbour: true, initiator, transport: 'memory' })
}

/** The session of `peer` ended as the recording control closed it. */
function unlink(peer: string): void {
  overlay.down(peer, { wasUp: true, cause: 'closed', peers: [], transport: 'memory' })
}

/** A high-priority Hello from `peer`; on an eviction the victim's link goes down too. */
function joinHigh(peer: string): { accept: boolean; evicted: string | undefined } {
  control.sessions.add(peer)
  const before = control.closes.length
  const decision = overlay.join(peer, JoinPriority.High)
  const evicted = control.closes[before]?.peer
  if (evicted !== undefined) unlink(evicted)
  if (!decision.accept) control.sessions.delete(peer)
  else overlay.up(peer, { neighbour: true, initiator: false, transport: 'memory' })
  return { accept: decision.accept, evicted }
}

describe('outbound quota', () => {
  it('is a third of maxNeighbours, at least one', () => {
    expect([outboundQuota(6), outboundQuota(8), outboundQuota(1)]).toEqual([2, 3, 1])
  })

  it('sybils joining with high priority, one per period, evict only inbound neighbours: the self-dialled ones stay', async () => {
    for (const p of ['o1', 'o2']) link(p, true)
    for (const p of ['i1', 'i2', 'i3', 'i4']) link(p, false)
    const evicted: string[] = []
    for (let s = 0; s < 12; s++) {
      await ctx.clock.advance(1000)
      const { evicted: victim } = joinHigh(`sybil${s}`)
      if (victim !== undefined) evicted.push(victim)
    }
    expect(evicted).not.toContain('o1')
    expect(evicted).not.toContain('o2')
    expect(overlay.neighbours()).toEqual(expect.arrayContaining(['o1', 'o2']))
    expect(overlay.neighbours()).toHaveLength(6)
  })

  it('with only quota neighbours left to evict, a high-priority Hello and an urgent dial are refused as full', () => {
    setup({ maxNeighbours: 3 })
    link('o1', true)
    link('i1', false)
    link('i2', false)
    // Two tokens: both inbound neighbours may go, then nobody may.
    expect(joinHigh('s1')).toMatchObject({ accept: true, evicted: expect.stringMatching(/^i/) })
    expect(joinHigh('s2')).toMatchObject({ accept: true, evicted: expect.stringMatching(/^[is]/) })
    setup({ maxNeighbours: 2, outboundQuota: 2 })
    link('o1', true)
    link('o2', true)
    control.sessions.add('s3')
    expect(overlay.join('s3', JoinPriority.High)).toMatchObject({ accept: false, code: CloseCode.Full })
    expect(overlay.admit('s4', true)).toBe(false)
    expect(control.closes).toEqual([])
    expect(overlay.admission.refused).toBe(2)
  })

  it('self-dialled neighbours beyond the quota may be evicted when no inbound one is left', () => {
    setup({ maxNeighbours: 3 })
    for (const p of ['o1', 'o2', 'o3']) link(p, true)
    expect(joinHigh('s1')).toMatchObject({ accept: true, evicted: expect.stringMatching(/^o/) })
  })
})

describe('keeping the outbound quota', () => {
  let sybils = 0
  /** High-priority Hellos until PRESSURE_REFUSALS are refused (the rate or the quota let them evict nobody): pressure. */
  function press(): void {
    let refused = 0
    for (let i = 0; i < 20 && refused < PRESSURE_REFUSALS; i++) if (!joinHigh(`s${sybils++}`).accept) refused++
    expect(refused).toBe(PRESSURE_REFUSALS)
  }
  /** The dials recorded so far, by peer. */
  const dialled = (): string[] => control.takeDials().map((d) => d.split(':')[0]!)

  it('in a calm room it dials nobody, even below the quota; evictions and a refusal now and then are no pressure', () => {
    for (const p of ['i1', 'i2', 'i3', 'i4', 'i5', 'i6']) link(p, false)
    overlay.discovered('t1', 'memory')
    overlay.maintain(false, true)
    // Honest starving joiners: two evict (the burst), the next is refused.
    expect([joinHigh('j1').accept, joinHigh('j2').accept, joinHigh('j3').accept]).toEqual([true, true, false])
    overlay.maintain(false, true)
    expect(control.dials).toEqual([])
  })

  it('under pressure it dials a peer the attacker did not name first (a transport, a self-dialled neighbour), one per round', () => {
    link('o1', true)
    for (const p of ['i1', 'i2', 'i3', 'i4', 'i5']) link(p, false)
    // An inbound neighbour names many peers; a transport and our own neighbour o1 one each.
    overlay.learn(['x1', 'x2', 'x3', 'x4', 'x5', 'x6'], 'memory', 'i1')
    overlay.learn(['h1'], 'memory', 'o1')
    overlay.discovered('t1', 'memory')
    press()
    overlay.maintain(false, false)
    expect(control.dials).toEqual([]) // the round's call refills (or a lost link, below)
    overlay.maintain(false, true)
    overlay.maintain(false, true) // one refill dial in flight at a time
    const [first] = dialled()
    expect(['h1', 't1']).toContain(first)
    expect(control.dials).toEqual([])
    // Once up, an inbound neighbour makes room; the target under pressure is the quota plus one.
    control.inFlight.delete(first!)
    link(first!, true)
    expect(control.closes.at(-1)).toMatchObject({ code: CloseCode.Evicted, peer: expect.stringMatching(/^[is]/) })
    unlink(control.closes.at(-1)!.peer)
    overlay.maintain(false, true)
    expect(dialled()).toEqual([first === 'h1' ? 't1' : 'h1'])
  })

  it('a self-dialled link that goes down is refilled at once, and a failed refill dial tries the next at once', () => {
    for (const p of ['o1', 'o2', 'o3']) link(p, true)
    for (const p of ['i1', 'i2', 'i3']) link(p, false)
    overlay.learn(['h1', 'h2', 'h3', 'h4'], 'memory', 'o1')
    press()
    overlay.maintain(false, true)
    expect(control.dials).toEqual([]) // three self-dialled: at the target (quota 2, plus one)
    control.sessions.delete('o2')
    unlink('o2') // the peer at the other end evicted us
    const [first] = dialled()
    expect(first).toMatch(/^h[1-4]$/)
    control.fail(first!, Object.assign(new Error('no answer'), { name: 'TransportError' }))
    const [second] = dialled()
    expect(second).toMatch(/^h[1-4]$/)
    expect(second).not.toBe(first)
  })

  it('with only candidates inbound neighbours named, it asks the transports first and dials a peer they vouch for', () => {
    let asked = 0
    overlay = new Overlay(ctx, { maxNeighbours: 6, minNeighbours: 5, maxPassive: 32, reservationMs: 3000, retryMs: 10_000, evictEveryMs: 1000 }, control, new AbortController().signal, () => asked++)
    // A peer that dialled nobody (the first of its room): every candidate came from an inbound neighbour.
    for (const p of ['i1', 'i2', 'i3', 'i4', 'i5', 'i6']) link(p, false)
    overlay.learn(['x1', 'h1'], 'memory', 'i1')
    press()
    overlay.maintain(false, true)
    expect(asked).toBe(1)
    expect(control.dials).toEqual([]) // it waits a round for the answer
    // The transport names h1, which i1 had named too: h1 is now a candidate the attacker did not name.
    overlay.discovered('h1', 'memory')
    expect(dialled()).toEqual(['h1'])
    // A transport that finds nobody: after a round the refill takes any passive peer, and
    // the next request waits its 5 rounds.
    control.fail('h1', Object.assign(new Error('no answer'), { name: 'TransportError' }))
    control.takeDials()
    overlay.maintain(false, true)
    overlay.maintain(false, true)
    expect(asked).toBe(1)
    expect(dialled()).toEqual(['x1'])
  })

  it('a refill answered with a Disconnect Full after its Hello asks for room next time', () => {
    for (const p of ['i1', 'i2', 'i3', 'i4', 'i5', 'i6']) link(p, false)
    overlay.learn(['h1'], 'memory', 'i1')
    overlay.discovered('t1', 'memory')
    overlay.discovered('t2', 'memory')
    press()
    overlay.maintain(false, true)
    const [first] = control.takeDials()
    expect(first).toMatch(new RegExp(`^t[12]:${JoinPriority.Low}$`))
    const peer = first!.split(':')[0]!
    // The transport connected; the full peer refused the Hello.
    control.inFlight.delete(peer)
    overlay.down(peer, { wasUp: false, cause: 'disconnect', code: CloseCode.Full, peers: [], transport: 'memory' })
    const [second] = control.takeDials()
    expect(second).toMatch(new RegExp(`^t[12]:${JoinPriority.High}$`))
  })

  it('at the quota, in a calm room, it dials nobody', () => {
    for (const p of ['o1', 'o2']) link(p, true)
    for (const p of ['i1', 'i2', 'i3', 'i4']) link(p, false)
    overlay.learn(['p1'], 'memory', 'o1')
    overlay.maintain(false, true)
    expect(control.dials).toEqual([])
  })
})

describe('eviction rate', () => {
  it('a stream of urgent dials evicts at most a burst, then one per evictEveryMs', async () => {
    for (const p of ['o1', 'o2']) link(p, true)
    for (const p of ['i1', 'i2', 'i3', 'i4']) link(p, false)
    const admitted = (peer: string): boolean => {
      const before = control.closes.length
      const ok = overlay.admit(peer, true)
      for (const close of control.closes.slice(before)) unlink(close.peer)
      if (ok) {
        overlay.opened(peer)
        link(peer, false)
      }
      return ok
    }
    const burst = Array.from({ length: 10 }, (_, i) => admitted(`u${i}`))
    expect(burst.filter(Boolean)).toHaveLength(EVICTION_BURST)
    await ctx.clock.advance(999)
    expect(admitted('late1')).toBe(false)
    await ctx.clock.advance(1)
    expect(admitted('late2')).toBe(true)
    expect(control.closes.filter((c) => c.code === CloseCode.Evicted)).toHaveLength(EVICTION_BURST + 1)
  })
})

describe('passive view sources', () => {
  it('Peers frames with 3,200 bogus ids from one neighbour fill only its share of the passive view', () => {
    setup({ maxPassive: 32 })
    link('honest1', true)
    link('honest2', false)
    link('sybil', false)
    for (let i = 0; i < 12; i++) overlay.learn([`h${i}`], 'memory', i % 2 === 0 ? 'honest1' : 'honest2')
    for (let i = 0; i < 3200; i += LIMITS.peersPerFrame) {
      const peers = Array.from({ length: LIMITS.peersPerFrame }, (_, k) => `bogus${i + k}`)
      overlay.onPeers('sybil', { type: FrameType.Peers, room: 'r', peers, reply: true })
    }
    const passive = overlay.views.passive()
    const bogus = passive.filter((p) => p.startsWith('bogus'))
    expect(bogus.length).toBeLessThanOrEqual(overlay.views.perSource)
    expect(overlay.views.perSource).toBe(8)
    expect(passive.filter((p) => p.startsWith('h'))).toHaveLength(12)
  })

  it('a full view drops from the source holding the most, and samples draw source by source', () => {
    const v = new PeerViews('me', seededRandom(5), 8)
    for (let i = 0; i < 2; i++) v.addPassive(`big${i}`, undefined, 'big')
    for (const s of ['a', 'b', 'c', 'd', 'e', 'f']) v.addPassive(`${s}0`, undefined, s)
    v.addPassive('g0', undefined, 'g')
    expect(v.passive().filter((p) => p.startsWith('big'))).toHaveLength(1)
    expect(v.passive()).toHaveLength(8)
    expect(v.sourceOf('g0')).toBe('g')
    let big = 0
    for (let i = 0; i < 200; i++) if (v.samplePassive(1, () => false)[0]?.startsWith('big')) big++
    expect(big).toBeGreaterThan(0)
    expect(big).toBeLessThan(60)
  })
})

describe('the "I see everyone" shortcut', () => {
  let awareness: Awareness
  let presence: Presence
  const others: Awareness[] = []

  beforeEach(() => {
    const doc = new Y.Doc()
    doc.clientID = 1
    awareness = roomAwareness(doc, undefined, true)
    awareness.setLocalState({ name: 'me' })
    presence = new Presence(ctx, awareness, true, new RecordingTree())
  })

  afterEach(() => {
    presence.destroy()
    for (const a of [awareness, ...others.splice(0)]) a.destroy()
  })

  /** `peer` sends the states of `count` made-up clients from `first` on. */
  function states(peer: string, first: number, count: number): void {
    const fake = new Y.Doc()
    const sender = roomAwareness(fake, undefined, true)
    others.push(sender)
    for (let c = first; c < first + count; c++) {
      sender.clientID = c
      sender.setLocalState({}) // clock 0, which a receiver ignores
      sender.setLocalState({ name: `fake${c}` })
    }
    const clients = Array.from({ length: count }, (_, i) => first + i)
    presence.onAwareness(peer, { type: FrameType.Awareness, room: 'r', update: encodeAwarenessUpdate(sender, clients) })
  }

  it('counts presence that came through a self-dialled neighbour, not what inbound peers claim', () => {
    const outbound = new Set(['honest'])
    const vouched = (source: string): boolean => outbound.has(source)
    presence.up('sybil', true)
    presence.up('honest', true)
    states('sybil', 1000, 40)
    expect(ctx.errors).toEqual([])
    expect(awareness.getStates().size).toBe(41)
    expect(presence.seesEveryone(10)).toBe(true) // calm: every current neighbour counts
    expect(presence.seesEveryone(10, vouched)).toBe(false)
    states('honest', 2000, 9)
    expect(presence.seesEveryone(10, vouched)).toBe(true)
    outbound.delete('honest') // its link went down: what it brought no longer counts
    expect(presence.seesEveryone(10, vouched)).toBe(false)
  })
})
