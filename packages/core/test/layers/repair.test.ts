/**
 * Repair (anti-entropy), with real Y.Docs behind real Replicas: the digest exchange, the
 * push-pull of state vectors and updates, what each outcome tells the ports, and which peer
 * each round's exchange goes to, in a busy room and in a quiet one. Time is a virtual clock.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { Content } from '../../src/content.js'
import { Activity, QUIET_ROUNDS } from '../../src/engine/activity.js'
import { hash53 } from '../../src/hash.js'
import { Repair } from '../../src/layers/repair.js'
import { FrameType } from '../../src/protocol/messages.js'
import { DEFAULT_LIMITS } from '../../src/limits/content-limits.js'
import { Replica } from '../../src/replica.js'
import { RecordingContext } from '../support/layer-harness.js'

const QUIET_PROBE = 4000

let ctx: RecordingContext
let doc: Y.Doc
let replica: Replica
let activity: Activity
let repair: Repair
let heard: Map<string, number>
let calls: string[]
let repaired: { from: string; update: Uint8Array; checksum: number }[]

function setup(push = true): void {
  ctx = new RecordingContext()
  doc = new Y.Doc()
  replica = new Replica(doc, 'remote-origin', () => {})
  activity = new Activity()
  heard = new Map()
  calls = []
  repaired = []
  repair = new Repair(ctx, { push, quietProbeMs: QUIET_PROBE, replyTimeoutMs: 4 * QUIET_PROBE }, replica, activity, {
    lastHeard: (peer) => heard.get(peer),
    repaired: (from, update, checksum) => repaired.push({ from, update, checksum }),
    synced: (peer) => calls.push(`synced:${peer}`),
    exchangeDone: (peer) => calls.push(`done:${peer}`),
    lied: (peer, what) => calls.push(`lied:${peer}:${what}`),
  })
}

beforeEach(() => setup())

const link = { neighbour: true, transport: 'memory' }

/** A peer's document holding `text`, with its own replica. */
function remoteWith(text: string): Replica {
  const other = new Y.Doc()
  other.getText('t').insert(0, text)
  return new Replica(other, 'remote-origin', () => {})
}

describe('opening an exchange', () => {
  it('the dialer sends its digest as soon as the session is up; the acceptor waits', () => {
    repair.up('a', { ...link, initiator: true })
    repair.up('b', { ...link, initiator: false })
    expect(ctx.take()).toEqual([{ peer: 'a', frame: { type: FrameType.Digest, room: 'r', digest: replica.digest() } }])
    expect(ctx.stats.antiEntropyRounds).toBe(1)
  })
})

describe('answering a digest', () => {
  it('an equal digest: DigestMatch, and the peer is synced', () => {
    repair.onDigest('a', { type: FrameType.Digest, room: '', digest: replica.digest() })
    expect(ctx.take()).toEqual([{ peer: 'a', frame: { type: FrameType.DigestMatch, room: 'r', digest: replica.digest() } }])
    expect(calls).toEqual(['synced:a'])
  })

  it('a different digest: a reciprocal SyncRequest with our state vector, and news for the activity', () => {
    doc.getText('t').insert(0, 'x')
    activity.round()
    repair.onDigest('a', { type: FrameType.Digest, room: '', digest: remoteWith('y').digest() })
    expect(ctx.take()).toEqual([{ peer: 'a', frame: { type: FrameType.SyncRequest, room: 'r', stateVector: replica.stateVector(), reciprocate: true } }])
    expect(activity.quietRounds).toBe(0)
    expect(calls).toEqual([])
  })

  it('while the reply to our SyncRequest is in flight, another digest of that peer starts no second exchange (issue 12, bug 4)', () => {
    doc.getText('t').insert(0, 'x')
    const theirs = remoteWith('a large document').digest()
    repair.onDigest('a', { type: FrameType.Digest, room: '', digest: theirs })
    expect(ctx.take().map((s) => s.frame.type)).toEqual([FrameType.SyncRequest])
    // The peer's next round: its digest still differs, since our request is not answered yet.
    repair.onDigest('a', { type: FrameType.Digest, room: '', digest: theirs })
    expect(ctx.take()).toEqual([])
    // A SyncRequest of theirs that asks us to reciprocate gets our reply, not a second request.
    repair.onSyncRequest('a', { type: FrameType.SyncRequest, room: '', stateVector: new Uint8Array([0]), reciprocate: true })
    expect(ctx.take().map((s) => s.frame.type)).toEqual([FrameType.SyncReply])
    // Our reply arrives: the next digest may start an exchange again.
    repair.onSyncReply('a', { type: FrameType.SyncReply, room: '', checksum: hash53(new Uint8Array([0, 0])), update: new Uint8Array([0, 0]) })
    repair.onDigest('a', { type: FrameType.Digest, room: '', digest: theirs })
    expect(ctx.take().map((s) => s.frame.type)).toEqual([FrameType.SyncRequest])
  })

  it('while a reply is still being applied (checks that take a while), the peer gets no second request; once applied, it may', async () => {
    // A content whose apply finishes when the test says so (a room with a secret checks replies asynchronously).
    let finish = (): void => undefined
    const slow: Content = {
      digest: () => replica.digest(),
      state: () => replica.state(),
      diff: (state) => replica.diff(state),
      apply: () => new Promise((resolve) => (finish = () => resolve({ ok: true, changed: true }))),
      authors: () => [],
      destroy: () => undefined,
    }
    repair = new Repair(ctx, { push: true, quietProbeMs: QUIET_PROBE, replyTimeoutMs: 4 * QUIET_PROBE }, slow, activity, {
      lastHeard: () => undefined,
      repaired: () => undefined,
      synced: (peer) => calls.push(`synced:${peer}`),
      exchangeDone: (peer) => calls.push(`done:${peer}`),
      lied: () => undefined,
    })
    doc.getText('t').insert(0, 'x')
    const theirs = remoteWith('a large document').digest()
    repair.onDigest('a', { type: FrameType.Digest, room: '', digest: theirs })
    expect(ctx.take().map((s) => s.frame.type)).toEqual([FrameType.SyncRequest])
    repair.onSyncReply('a', { type: FrameType.SyncReply, room: '', checksum: hash53(new Uint8Array([0, 0])), update: new Uint8Array([0, 0]) })
    // Arrived but not applied yet: its next digest, and our rounds, ask nothing again.
    repair.onDigest('a', { type: FrameType.Digest, room: '', digest: theirs })
    repair.up('a', { ...link, initiator: false })
    repair.tick()
    expect(ctx.take().map((s) => s.frame.type)).not.toContain(FrameType.SyncRequest)
    expect(repair.awaiting('a')).toBe(true)
    finish()
    await Promise.resolve()
    expect(calls).toEqual(['synced:a', 'done:a'])
    expect(repair.awaiting('a')).toBe(false)
    repair.onDigest('a', { type: FrameType.Digest, room: '', digest: theirs })
    expect(ctx.take().map((s) => s.frame.type)).toEqual([FrameType.SyncRequest])
  })

  it('a DigestMatch ends the exchange; it syncs only if our digest still matches', () => {
    const digest = replica.digest()
    repair.onDigestMatch('a', { type: FrameType.DigestMatch, room: '', digest })
    doc.getText('t').insert(0, 'x')
    repair.onDigestMatch('b', { type: FrameType.DigestMatch, room: '', digest })
    expect(calls).toEqual(['synced:a', 'done:a', 'done:b'])
  })
})

describe('the push-pull', () => {
  it('a SyncRequest gets exactly what the peer misses, with checksum = hash53(update)', () => {
    doc.getText('t').insert(0, 'ours')
    const peer = remoteWith('theirs')
    repair.onSyncRequest('a', { type: FrameType.SyncRequest, room: '', stateVector: peer.stateVector(), reciprocate: false })
    const sent = ctx.take()
    expect(sent).toHaveLength(1)
    const reply = sent[0]?.frame
    expect(reply?.type).toBe(FrameType.SyncReply)
    if (reply?.type !== FrameType.SyncReply) return
    expect(reply.checksum).toBe(hash53(reply.update))
    expect(peer.applyRemote(reply.update)).toEqual({ ok: true, changed: true })
    expect(peer.doc.getText('t').toString()).toContain('ours')
  })

  it('a reciprocal SyncRequest is followed by our own, which asks for nothing back', () => {
    repair.onSyncRequest('a', { type: FrameType.SyncRequest, room: '', stateVector: remoteWith('x').stateVector(), reciprocate: true })
    const sent = ctx.take()
    expect(sent.map((s) => s.frame.type)).toEqual([FrameType.SyncReply, FrameType.SyncRequest])
    expect(sent[1]?.frame).toEqual({ type: FrameType.SyncRequest, room: 'r', stateVector: replica.stateVector(), reciprocate: false })
  })

  it('an unparsable state vector is reported and answered with nothing', () => {
    repair.onSyncRequest('a', { type: FrameType.SyncRequest, room: '', stateVector: new Uint8Array([0xff, 0xff, 0xff]), reciprocate: true })
    expect(ctx.take()).toEqual([])
    expect(ctx.errorNames()).toEqual(['UpdateRejectedError'])
    expect(ctx.errors[0]?.peer).toBe('a')
  })

  it('a SyncReply that changes the document: repaired port with the update, synced, exchange done', () => {
    const peer = remoteWith('news')
    const update = peer.diff(replica.stateVector())
    activity.round()
    repair.onSyncReply('a', { type: FrameType.SyncReply, room: '', checksum: hash53(update), update })
    expect(doc.getText('t').toString()).toBe('news')
    expect(repaired).toEqual([{ from: 'a', update, checksum: hash53(update) }])
    expect(calls).toEqual(['synced:a', 'done:a'])
    expect(ctx.stats.payloadsReceived).toBe(1)
    expect(activity.quietRounds).toBe(0)
  })

  it('a SyncReply with nothing new: synced and done, nothing repaired', () => {
    const update = replica.diff(replica.stateVector())
    repair.onSyncReply('a', { type: FrameType.SyncReply, room: '', checksum: hash53(update), update })
    expect(repaired).toEqual([])
    expect(calls).toEqual(['synced:a', 'done:a'])
    expect(ctx.stats.payloadsReceived).toBe(0)
  })

  it('a SyncReply whose update does not parse is rejected: no sync, no exchange end', () => {
    const update = new Uint8Array([9, 9, 9])
    repair.onSyncReply('a', { type: FrameType.SyncReply, room: '', checksum: hash53(update), update })
    expect(ctx.stats.framesRejected).toBe(1)
    expect(ctx.errorNames()).toEqual(['UpdateRejectedError'])
    expect([calls, repaired]).toEqual([[], []])
  })
})

describe('each round', () => {
  /** Runs one round `ms` after the previous one; returns the peers that got a Digest. */
  async function round(ms = 1000): Promise<string[]> {
    await ctx.clock.advance(ms)
    repair.tick()
    return ctx.takeOf(FrameType.Digest).map((s) => s.peer)
  }

  it('opens an exchange with the peer exchanged with least recently', async () => {
    repair.up('a', { ...link, initiator: false })
    await ctx.clock.advance(100)
    repair.up('b', { ...link, initiator: false })
    await ctx.clock.advance(100)
    repair.up('c', { ...link, initiator: false })
    await ctx.clock.advance(100)
    repair.onDigest('a', { type: FrameType.Digest, room: '', digest: replica.digest() }) // an exchange a opened
    ctx.take()
    expect([await round(), await round(), await round(), await round()]).toEqual([['b'], ['c'], ['a'], ['b']])
    expect(ctx.stats.antiEntropyRounds).toBe(4)
  })

  it('forgets a peer that went down', async () => {
    repair.up('a', { ...link, initiator: false })
    repair.down('a')
    expect(await round()).toEqual([])
  })

  it(`in a quiet room (after ${QUIET_ROUNDS} rounds without news) only a peer silent for quietProbeMs gets the digest`, async () => {
    repair.up('a', { ...link, initiator: false })
    repair.up('b', { ...link, initiator: false })
    const busy: string[][] = []
    for (let i = 0; i < QUIET_ROUNDS; i++) busy.push(await round())
    expect(busy.every((peers) => peers.length === 1)).toBe(true)
    const now = ctx.clock.now() + 1000
    heard.set('a', now - QUIET_PROBE) // silent long enough
    heard.set('b', now - QUIET_PROBE + 1)
    expect(await round()).toEqual(['a'])
    heard.set('a', now + 1000)
    heard.set('b', now + 1000)
    expect(await round()).toEqual([]) // nobody silent: no exchange at all
    activity.touch()
    expect(await round()).toHaveLength(1) // news: every round exchanges again
  })

  it('with push off, the room is never quiet', async () => {
    setup(false)
    repair.up('a', { ...link, initiator: false })
    heard.set('a', 1_000_000)
    const rounds: string[][] = []
    for (let i = 0; i < QUIET_ROUNDS + 3; i++) rounds.push(await round())
    expect(rounds.every((peers) => peers.join() === 'a')).toBe(true)
  })
})

describe('lies about content', () => {
  const lies = (): string[] => calls.filter((c) => c.startsWith('lied:'))

  it('a DigestMatch of the digest we sent claims our state then: a later SyncRequest lacking part of it is a lie', () => {
    doc.getText('t').insert(0, 'ours')
    repair.up('a', { ...link, initiator: true }) // our Digest goes out
    const digest = replica.digest()
    doc.getText('t').insert(0, 'more') // we moved on before the match came back
    repair.onDigestMatch('a', { type: FrameType.DigestMatch, room: '', digest })
    repair.onSyncRequest('a', { type: FrameType.SyncRequest, room: '', stateVector: remoteWith('').stateVector(), reciprocate: false })
    expect(lies()).toEqual(['lied:a:a digest match its state vector disproves'])
  })

  it('an honest peer that matched and then asks with a state covering ours is no liar; a match is checked once', () => {
    doc.getText('t').insert(0, 'ours')
    const twin = new Replica(new Y.Doc(), 'remote-origin', () => {})
    twin.applyRemote(Y.encodeStateAsUpdate(doc))
    repair.onDigest('a', { type: FrameType.Digest, room: '', digest: twin.digest() }) // equal: a match
    twin.doc.getText('u').insert(0, 'theirs')
    repair.onSyncRequest('a', { type: FrameType.SyncRequest, room: '', stateVector: twin.stateVector(), reciprocate: false })
    repair.onSyncRequest('a', { type: FrameType.SyncRequest, room: '', stateVector: remoteWith('').stateVector(), reciprocate: false })
    expect(lies()).toEqual([])
  })

  it('two requests in a row left unanswered by a peer that keeps talking are a lie; a reply clears the count', async () => {
    doc.getText('t').insert(0, 'x')
    const timeout = 4 * QUIET_PROBE
    const unanswered = async (): Promise<void> => {
      repair.onDigest('a', { type: FrameType.Digest, room: '', digest: 12345 })
      await ctx.clock.advance(timeout * 0.9)
      heard.set('a', ctx.clock.now()) // it keeps sending other frames
      await ctx.clock.advance(timeout * 0.2)
      expect(repair.awaiting('a')).toBe(false)
    }
    await unanswered()
    expect(lies()).toEqual([])
    await unanswered()
    expect(lies()).toEqual(['lied:a:requests it left unanswered'])
    repair.onDigest('a', { type: FrameType.Digest, room: '', digest: 12345 })
    repair.onSyncReply('a', { type: FrameType.SyncReply, room: '', checksum: hash53(new Uint8Array([0, 0])), update: new Uint8Array([0, 0]) })
    await unanswered()
    expect(lies()).toHaveLength(1)
  })

  it('a silent peer (gone, not lying) is not charged for a reply that never came', async () => {
    for (let i = 0; i < 3; i++) {
      repair.onDigest('a', { type: FrameType.Digest, room: '', digest: 12345 })
      await ctx.clock.advance(4 * QUIET_PROBE + 1)
      expect(repair.awaiting('a')).toBe(false)
    }
    expect(lies()).toEqual([])
  })
})

describe('telling the room a request was answered (answered)', () => {
  it('after a whole reply at once, and after the last part of a reply in parts, never before', async () => {
    const small = new Replica(doc, 'remote-origin', () => {}, { limits: { ...DEFAULT_LIMITS, updateBytes: 4096 } })
    repair = new Repair(ctx, { push: true, quietProbeMs: QUIET_PROBE, replyTimeoutMs: 4 * QUIET_PROBE }, small, activity, {
      lastHeard: () => undefined,
      repaired: () => {},
      synced: () => {},
      exchangeDone: () => {},
      lied: () => {},
      answered: (peer) => calls.push(`answered:${peer}`),
    })
    doc.getText('t').insert(0, 'x')
    const request = { type: FrameType.SyncRequest, room: '', stateVector: new Uint8Array([0]), reciprocate: false } as const
    repair.onSyncRequest('a', request)
    expect(ctx.take().map((s) => s.frame.type)).toEqual([FrameType.SyncReply])
    expect(calls).toEqual(['answered:a'])
    calls.length = 0
    for (let i = 0; i < 40; i++) doc.getText('t').insert(0, 'y'.repeat(400) + String(i))
    repair.onSyncRequest('b', request)
    expect(ctx.take().map((s) => s.frame.type)).toEqual([FrameType.SyncPart])
    expect(calls).toEqual([])
    await ctx.clock.run()
    expect(ctx.stats.syncPartsSent).toBeGreaterThan(2)
    expect(calls).toEqual(['answered:b'])
  })
})

describe('asking a sender at once (fetch)', () => {
  it('sends our state vector to the peer whose delta was held, unless a reply of its is on its way or its session ended', () => {
    repair.up('a', { ...link, initiator: false })
    repair.fetch('a')
    expect(ctx.take()).toEqual([{ peer: 'a', frame: { type: FrameType.SyncRequest, room: 'r', stateVector: replica.stateVector(), reciprocate: false } }])
    repair.fetch('a')
    expect(ctx.take()).toEqual([])
    // Nor to a peer whose session ended (a held delta checked after it went).
    repair.fetch('gone')
    expect(ctx.take()).toEqual([])
  })
})

