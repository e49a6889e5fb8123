/**
 * Peer scoring, driven with frames' raw bytes and reports on the virtual clock: the frame
 * and byte buckets drop what is over budget (replies we asked for are not charged bytes),
 * invalid frames and broken budgets lower the score, useful first deliveries raise it up to
 * a cap, scores decay each round, and below the thresholds a peer is throttled, then
 * disconnected and refused for a backoff that doubles on repeat. Every decision is a
 * `peer:penalty` event and a counter.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { ProtocolError, TransportError, UpdateRejectedError } from '../../src/errors.js'
import { DEFAULT_BUDGETS, PeerScore, resolveBudgets, type PeerBudgets } from '../../src/layers/peer-score.js'
import { TokenBucket } from '../../src/token-bucket.js'
import { FrameType } from '../../src/protocol/messages.js'
import { RecordingContext } from '../support/layer-harness.js'

let ctx: RecordingContext
let score: PeerScore
let disconnected: string[]
let awaiting: Set<string>

function setup(budgets: Partial<PeerBudgets> = {}): void {
  ctx = new RecordingContext()
  disconnected = []
  awaiting = new Set()
  score = new PeerScore(ctx, resolveBudgets(budgets), { disconnect: (peer) => disconnected.push(peer), awaitingReply: (peer) => awaiting.has(peer) })
}

beforeEach(() => setup())

/** A frame of `bytes` bytes whose type tag is `type`. */
function frame(bytes: number, type: number = FrameType.Delta): Uint8Array {
  const data = new Uint8Array(bytes)
  data[0] = type
  return data
}

function penalties(): { action: string; reason: string }[] {
  return ctx.emitted.filter((e) => e.event === 'peer:penalty').map((e) => e.payload as { action: string; reason: string })
}

describe('TokenBucket', () => {
  it('starts full, refuses more than it holds without taking, and refills at its rate up to the burst', () => {
    const bucket = new TokenBucket(10, 5, 0)
    expect(bucket.take(5, 0)).toBe(true)
    expect(bucket.take(1, 0)).toBe(false)
    expect(bucket.take(1, 100)).toBe(true)
    expect(bucket.available(10_000)).toBe(5)
    expect(bucket.available(10_000 + 100, 0.5)).toBe(5)
  })
})

describe('budgets', () => {
  it('drops frames over the frame budget, and refills over time', async () => {
    setup({ framesPerSecond: 10, frameBurst: 20 })
    let passed = 0
    for (let i = 0; i < 30; i++) if (score.admit('p', frame(10))) passed++
    expect(passed).toBe(20)
    expect(ctx.stats.framesThrottled).toBe(10)
    expect(score.score('p')).toBe(-10)
    await ctx.clock.advance(1000)
    for (let i = 0; i < 30; i++) if (score.admit('p', frame(10))) passed++
    expect(passed).toBe(30)
    // Another peer has its own buckets.
    expect(score.admit('q', frame(10))).toBe(true)
  })

  it('charges bytes, except for replies we asked the peer for', () => {
    setup({ bytesPerSecond: 1000, byteBurst: 1000 })
    expect(score.admit('p', frame(900))).toBe(true)
    expect(score.admit('p', frame(200))).toBe(false)
    awaiting.add('p')
    expect(score.admit('p', frame(100_000, FrameType.SyncPart))).toBe(true)
    expect(score.admit('p', frame(100_000, FrameType.SyncReply))).toBe(true)
    expect(score.admit('p', frame(200, FrameType.Delta))).toBe(false)
    awaiting.clear()
    expect(score.admit('p', frame(100_000, FrameType.SyncPart))).toBe(false)
  })
})

describe('score', () => {
  it('does not fall on races honest peers produce: a full peer\'s Reject, crossing handshakes', () => {
    for (let i = 0; i < 10; i++) score.reported(new ProtocolError('peer rejected the connection: full', 'p', { race: true }), 'p')
    expect(score.score('p')).toBe(0)
    expect(penalties()).toEqual([])
    expect(ctx.stats.peersCutOff).toBe(0)
  })

  it('falls on invalid frames (protocol errors, refused updates), not on other reports', () => {
    score.reported(new ProtocolError('bad', 'p'), 'p')
    score.reported(new UpdateRejectedError('bad'), 'p')
    score.reported(new TransportError('lost'), 'p')
    score.reported(new ProtocolError('bad', 'x'), undefined)
    expect(score.score('p')).toBe(-2 * DEFAULT_BUDGETS.invalidPenalty)
    expect(penalties()).toEqual([
      expect.objectContaining({ action: 'penalty', reason: 'invalid' }),
      expect.objectContaining({ action: 'penalty', reason: 'invalid' }),
    ])
    expect(ctx.stats.penalties).toBe(2)
  })

  it('rises with useful deliveries up to the cap, and decays every round', () => {
    for (let i = 0; i < 1000; i++) score.useful('p')
    expect(score.score('p')).toBe(DEFAULT_BUDGETS.maxScore)
    score.round()
    expect(score.score('p')).toBeCloseTo(DEFAULT_BUDGETS.maxScore * DEFAULT_BUDGETS.decay)
    score.useless('q')
    for (let i = 0; i < 200; i++) score.round()
    expect(score.score('p')).toBe(0)
    expect(score.score('q')).toBe(0)
  })

  it('throttles below throttleBelow: budgets refill at a quarter of their rate', async () => {
    setup({ framesPerSecond: 100, frameBurst: 100, throttleBelow: -20, disconnectBelow: -1000 })
    score.reported(new ProtocolError('bad', 'p'), 'p')
    score.reported(new ProtocolError('bad', 'p'), 'p')
    score.reported(new ProtocolError('bad', 'p'), 'p')
    expect(penalties().at(-1)).toMatchObject({ action: 'throttle' })
    expect(ctx.stats.peersThrottled).toBe(1)
    for (let i = 0; i < 100; i++) score.admit('p', frame(1))
    await ctx.clock.advance(1000)
    let passed = 0
    for (let i = 0; i < 100; i++) if (score.admit('p', frame(1))) passed++
    expect(passed).toBe(25)
  })

  it('disconnects below disconnectBelow and refuses the peer for a backoff that doubles on repeat', async () => {
    setup({ backoffMs: 10_000 })
    for (let i = 0; i < 6; i++) score.reported(new ProtocolError('bad', 'p'), 'p')
    expect(disconnected).toEqual(['p'])
    expect(penalties().at(-1)).toMatchObject({ action: 'disconnect', reason: 'invalid', bannedUntil: 10_000 })
    expect(ctx.stats.peersCutOff).toBe(1)
    expect(score.banned('p')).toBe(true)
    expect(score.admit('p', frame(1))).toBe(false)
    await ctx.clock.advance(10_000)
    score.round()
    expect(score.banned('p')).toBe(false)
    expect(score.score('p')).toBe(0)
    for (let i = 0; i < 6; i++) score.reported(new ProtocolError('bad', 'p'), 'p')
    expect(disconnected).toEqual(['p', 'p'])
    expect(penalties().at(-1)).toMatchObject({ action: 'disconnect', bannedUntil: 10_000 + 20_000 })
  })

  it('a flooder of valid frames is cut off, an honest peer at a tenth of the rate never is', async () => {
    const honest = { passed: 0, sent: 0 }
    let flooderCutAt: number | undefined
    for (let ms = 0; ms < 10_000; ms++) {
      // 1,000 frames per second from the flooder, each useful; 50 from the honest peer.
      if (score.admit('flooder', frame(200))) score.useful('flooder')
      if (flooderCutAt === undefined && disconnected.includes('flooder')) flooderCutAt = ms
      if (ms % 20 === 0) {
        honest.sent++
        if (score.admit('honest', frame(200))) honest.passed++
        score.useful('honest')
      }
      if (ms % 1000 === 999) score.round()
      await ctx.clock.advance(1)
    }
    expect(flooderCutAt).toBeDefined()
    expect(flooderCutAt).toBeLessThan(5000)
    expect(honest.passed).toBe(honest.sent)
    expect(score.score('honest')).toBeGreaterThan(0)
  })
})

describe('refusals and deliveries', () => {
  it('refuses a banned peer (counted), and scores deliveries: changed is useful, no-op non-repair is useless, no-op repair is neither', () => {
    expect(score.refuses('p')).toBe(false)
    for (let i = 0; i < 6; i++) score.reported(new ProtocolError('bad', 'p'), 'p')
    expect(score.refuses('p')).toBe(true)
    expect(ctx.stats.admissionsRefused).toBe(1)
    score.delivered('q', true, false)
    expect(score.score('q')).toBeCloseTo(DEFAULT_BUDGETS.usefulReward)
    score.delivered('r', false, true)
    expect(score.score('r')).toBe(0)
    score.delivered('r', false, false)
    expect(score.score('r')).toBe(-DEFAULT_BUDGETS.uselessPenalty)
  })
})

describe('resolveBudgets', () => {
  it('fills defaults and refuses bad values', () => {
    expect(resolveBudgets(undefined)).toEqual(DEFAULT_BUDGETS)
    expect(resolveBudgets({ framesPerSecond: 5 }).framesPerSecond).toBe(5)
    expect(() => resolveBudgets({ framesPerSecond: 0 })).toThrow(/positive/)
    expect(() => resolveBudgets({ throttleBelow: 5 })).toThrow(/negative/)
    expect(() => resolveBudgets({ throttleBelow: -100, disconnectBelow: -50 })).toThrow(/below/)
    expect(() => resolveBudgets({ nope: 1 } as never)).toThrow(/not a budget/)
  })
})

describe('lies', () => {
  it('a lie costs liePenalty, is counted, and its event says what the lie was', () => {
    setup({ liePenalty: 7 })
    score.lied('p', 'a Prune of an origin we never pushed it')
    expect(score.score('p')).toBe(-7)
    expect(ctx.stats.liesDetected).toBe(1)
    expect(penalties()).toEqual([{ peerId: 'p', reason: 'lie', score: -7, action: 'penalty', detail: 'a Prune of an origin we never pushed it' }])
  })

  it('with the defaults, a sixth lie in a row cuts a peer off', () => {
    for (let i = 0; i < 5; i++) score.lied('p', 'hop 0 under a second origin')
    expect(score.banned('p')).toBe(false)
    score.lied('p', 'hop 0 under a second origin')
    expect(score.banned('p')).toBe(true)
    expect(disconnected).toEqual(['p'])
  })
})
