/**
 * The room's activity signal (quiet after QUIET_ROUNDS rounds without news) and the dispatch
 * table, which routes each frame type of an established session to its one handler.
 */
import { describe, expect, it } from 'vitest'
import { Activity, QUIET_ROUNDS } from '../../src/engine/activity.js'
import { dispatcher, type FrameHandlers, type RoomFrame } from '../../src/engine/dispatch.js'
import { FrameType } from '../../src/protocol/messages.js'

describe('activity', () => {
  it(`is quiet after ${QUIET_ROUNDS} rounds without news, and news resets it`, () => {
    const activity = new Activity()
    const rounds: boolean[] = []
    for (let i = 0; i <= QUIET_ROUNDS; i++) rounds.push(activity.round())
    expect(rounds).toEqual([...Array<boolean>(QUIET_ROUNDS).fill(false), true])
    expect(activity.quietRounds).toBe(QUIET_ROUNDS + 1)
    activity.touch()
    expect(activity.quietRounds).toBe(0)
    expect(activity.round()).toBe(false)
  })
})

describe('dispatch', () => {
  const update = new Uint8Array([0])
  const frames: RoomFrame[] = [
    { type: FrameType.Delta, room: '', id: 1, hop: 0, origin: 1, update },
    { type: FrameType.Digest, room: '', digest: 1 },
    { type: FrameType.DigestMatch, room: '', digest: 1 },
    { type: FrameType.SyncRequest, room: '', stateVector: update, reciprocate: true },
    { type: FrameType.SyncReply, room: '', checksum: 1, update },
    { type: FrameType.Peers, room: '', peers: [], reply: false },
    { type: FrameType.Ping, room: '', nonce: 1 },
    { type: FrameType.Pong, room: '', nonce: 1 },
    { type: FrameType.Awareness, room: '', update },
    { type: FrameType.Relay, room: '', id: 1, origin: 'o', target: 't', ttl: 1, payload: update },
    { type: FrameType.Prune, room: '', origins: [1] },
    { type: FrameType.Graft, room: '', origins: [] },
    { type: FrameType.SyncPart, room: '', checksum: 1, part: 0, last: false, update },
    { type: FrameType.Probe, room: '', seq: 1, news: [] },
    { type: FrameType.ProbeAck, room: '', seq: 1, news: [] },
    { type: FrameType.ProbeRequest, room: '', seq: 1, target: 't' },
    { type: FrameType.ProbeReport, room: '', seq: 1, target: 't', result: 0 },
    { type: FrameType.Members, room: '', request: false, records: [] },
    { type: FrameType.MembersDigest, room: '', entries: [] },
    { type: FrameType.MembersPull, room: '', wants: [] },
    { type: FrameType.RoomEvent, room: '', id: 1, origin: 'o', ltime: 1, name: 'e', payload: { json: false, data: update } },
    { type: FrameType.Query, room: '', id: 1, origin: 'o', name: 'q', timeoutMs: 1, peers: [], meta: [], payload: { json: false, data: update } },
    { type: FrameType.QueryReply, room: '', id: 1, from: 'a', payload: { json: false, data: update } },
    { type: FrameType.SignedAwareness, room: '', entries: [] },
    { type: FrameType.SignedRelay, room: '', id: 1, origin: 'o', target: 't', ttl: 1, payload: update, signature: update },
  ]

  it('routes each room frame type to its own handler, with the peer', () => {
    const calls: [string, string, RoomFrame][] = []
    const record =
      (name: string) =>
      (peer: string, frame: RoomFrame): void => {
        calls.push([name, peer, frame])
      }
    const handlers: FrameHandlers = {
      [FrameType.Delta]: record('delta'),
      [FrameType.Digest]: record('digest'),
      [FrameType.DigestMatch]: record('digestMatch'),
      [FrameType.SyncRequest]: record('syncRequest'),
      [FrameType.SyncReply]: record('syncReply'),
      [FrameType.Peers]: record('peers'),
      [FrameType.Ping]: record('ping'),
      [FrameType.Pong]: record('pong'),
      [FrameType.Awareness]: record('awareness'),
      [FrameType.Relay]: record('relay'),
      [FrameType.Prune]: record('prune'),
      [FrameType.Graft]: record('graft'),
      [FrameType.SyncPart]: record('syncPart'),
      [FrameType.Probe]: record('probe'),
      [FrameType.ProbeAck]: record('probeAck'),
      [FrameType.ProbeRequest]: record('probeRequest'),
      [FrameType.ProbeReport]: record('probeReport'),
      [FrameType.Members]: record('members'),
      [FrameType.MembersDigest]: record('membersDigest'),
      [FrameType.MembersPull]: record('membersPull'),
      [FrameType.RoomEvent]: record('roomEvent'),
      [FrameType.Query]: record('query'),
      [FrameType.QueryReply]: record('queryReply'),
      [FrameType.SignedAwareness]: record('signedAwareness'),
      [FrameType.SignedRelay]: record('signedRelay'),
    }
    const dispatch = dispatcher(handlers)
    for (const frame of frames) dispatch('p', frame)
    expect(calls.map(([name]) => name)).toEqual([
      'delta',
      'digest',
      'digestMatch',
      'syncRequest',
      'syncReply',
      'peers',
      'ping',
      'pong',
      'awareness',
      'relay',
      'prune',
      'graft',
      'syncPart',
      'probe',
      'probeAck',
      'probeRequest',
      'probeReport',
      'members',
      'membersDigest',
      'membersPull',
      'roomEvent',
      'query',
      'queryReply',
      'signedAwareness',
      'signedRelay',
    ])
    expect(calls.every(([, peer], i) => peer === 'p' && calls[i]?.[2] === frames[i])).toBe(true)
  })

  it('covers every frame type but those the session layer keeps (the handshake and the authenticated session frames)', () => {
    const all = Object.values(FrameType)
    const auth: number[] = [FrameType.AuthHello, FrameType.AuthWelcome, FrameType.AuthConfirm, FrameType.Sealed, FrameType.Rekey]
    const session: number[] = [FrameType.Hello, FrameType.Welcome, FrameType.Reject, FrameType.Disconnect, ...auth]
    expect(frames.map((f) => f.type).sort((x, y) => x - y)).toEqual(all.filter((t) => !session.includes(t)).sort((x, y) => x - y))
  })
})
