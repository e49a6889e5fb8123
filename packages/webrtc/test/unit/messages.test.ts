import { describe, expect, it } from 'vitest'
import { parseEnvelope } from '../../src/envelope.js'
import { exponentialBackoff } from '../../src/backoff.js'
import { resolveOptions } from '../../src/options.js'
import { parseServerMessage } from '../../src/server-messages.js'
import { topicOf } from '../../src/topic.js'

const fakeWrtc = { RTCPeerConnection: class {}, RTCSessionDescription: class {}, RTCIceCandidate: class {} }
const FakeWebSocket = class {} as unknown as new (url: string) => never

describe('server messages', () => {
  it('accepts every documented server message', () => {
    expect(parseServerMessage('{"type":"welcome","serverVersion":"0.1.0","protocolVersion":1,"peerId":"a","limits":{}}')).toMatchObject({ ok: true })
    expect(parseServerMessage('{"type":"peers","topic":"t","peers":["a","b","a"],"ref":1}')).toEqual({ ok: true, message: { type: 'peers', topic: 't', peers: ['a', 'b'], ref: 1 } })
    expect(parseServerMessage('{"type":"signal","topic":"t","from":"a","data":null}')).toMatchObject({ ok: true })
    expect(parseServerMessage('{"type":"error","code":"unknown-peer","message":"x","ref":3}')).toMatchObject({ ok: true, message: { code: 'unknown-peer', ref: 3 } })
    expect(parseServerMessage('{"type":"pong","ref":"r7"}')).toMatchObject({ ok: true })
    expect(parseServerMessage('{"type":"joined","topic":"t","ref":2}')).toEqual({ ok: true, message: { type: 'joined', topic: 't', ref: 2 } })
  })

  it('rejects malformed server messages without throwing', () => {
    for (const raw of [
      'not json',
      '[]',
      'null',
      '{"type":"nope"}',
      '{"type":"peers","topic":"t","peers":"a"}',
      '{"type":"peers","topic":"bad topic","peers":[]}',
      '{"type":"peers","topic":"t","peers":["ok","not ok"]}',
      '{"type":"signal","topic":"t","from":"a"}',
      '{"type":"joined","topic":"bad topic"}',
      '{"type":"joined"}',
      '{"type":"welcome","peerId":"a"}',
      '{"type":"pong","ref":-1}',
      '{"type":"error","code":5}',
      new Uint8Array(3),
      'x'.repeat(300_000),
    ]) {
      expect(parseServerMessage(raw).ok).toBe(false)
    }
  })
})

describe('signal envelopes', () => {
  it('accepts offers, answers, candidates, refusals and aborts', () => {
    expect(parseEnvelope({ v: 1, k: 'sig', cid: 'abcdef0123', s: { type: 'offer', sdp: 'v=0' }, urgent: true })).toMatchObject({ urgent: true })
    expect(parseEnvelope({ v: 1, k: 'sig', cid: 'abcdef0123', s: { type: 'candidate', candidate: { candidate: 'candidate:1', sdpMid: '0', sdpMLineIndex: 0 } } })).toBeDefined()
    const candidate = { type: 'candidate', candidate: { candidate: 'candidate:1', sdpMid: '0', sdpMLineIndex: 0 } }
    expect(parseEnvelope({ v: 1, k: 'cands', cid: 'abcdef0123', c: [candidate, candidate] })).toMatchObject({ c: [candidate, candidate] })
    expect(parseEnvelope({ v: 1, k: 'refuse', cid: 'abcdef0123', reason: 'full' })).toBeDefined()
    expect(parseEnvelope({ v: 1, k: 'abort', cid: 'abcdef0123' })).toBeDefined()
  })

  it('rejects anything else', () => {
    for (const value of [
      null,
      'x',
      { v: 2, k: 'abort', cid: 'abcdef0123' },
      { v: 1, k: 'abort', cid: 'short' },
      { v: 1, k: 'abort', cid: 'has space!!' },
      { v: 1, k: 'sig', cid: 'abcdef0123', s: { type: 'renegotiate', renegotiate: true } },
      { v: 1, k: 'sig', cid: 'abcdef0123', s: { type: 'offer', sdp: '' } },
      { v: 1, k: 'sig', cid: 'abcdef0123', s: { type: 'offer', sdp: 'x'.repeat(100_000) } },
      { v: 1, k: 'sig', cid: 'abcdef0123', s: { type: 'candidate', candidate: { candidate: 5 } } },
      { v: 1, k: 'sig', cid: 'abcdef0123', s: { type: 'candidate', candidate: { candidate: 'c', sdpMLineIndex: -1 } } },
      { v: 1, k: 'refuse', cid: 'abcdef0123', reason: 'because' },
      { v: 1, k: 'cands', cid: 'abcdef0123', c: [] },
      { v: 1, k: 'cands', cid: 'abcdef0123', c: [{ type: 'offer', sdp: 'v=0' }] },
      { v: 1, k: 'cands', cid: 'abcdef0123', c: Array.from({ length: 65 }, () => ({ type: 'candidate', candidate: { candidate: 'c' } })) },
      { v: 1, k: 'what', cid: 'abcdef0123' },
    ]) {
      expect(parseEnvelope(value)).toBeUndefined()
    }
  })
})

describe('options, topics and backoff', () => {
  it('hashes room names into 43-character base64url topics (protocol 2; see topic.test.ts)', async () => {
    const topic = await topicOf('design-review')
    expect(topic).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(await topicOf('design-review')).toBe(topic)
    expect(await topicOf('design-review2')).not.toBe(topic)
  })

  it('grows the backoff exponentially, capped, with jitter inside bounds', () => {
    const backoff = exponentialBackoff({ initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.5, random: { next: () => 0.999 } })
    const low = exponentialBackoff({ initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.5, random: { next: () => 0 } })
    expect(low(0)).toBe(50)
    expect(backoff(0)).toBeCloseTo(99.95)
    expect(low(3)).toBe(400)
    expect(low(10)).toBe(500)
    expect(backoff(10)).toBeLessThanOrEqual(1000)
  })

  it('rejects invalid options with a ConfigError', () => {
    const base = { signaling: ['ws://127.0.0.1:4444'], wrtc: fakeWrtc, WebSocket: FakeWebSocket }
    expect(resolveOptions(base).chunkBytes).toBe(16 * 1024)
    for (const bad of [
      { ...base, signaling: 'ws://x' as unknown as string[] },
      { ...base, signaling: ['http://127.0.0.1'] },
      { ...base, signaling: ['not a url'] },
      { ...base, chunkBytes: 10 },
      { ...base, chunkBytes: 1 << 20 },
      { ...base, connectTimeoutMs: -1 },
      { ...base, wrtc: {} as typeof fakeWrtc },
      { signaling: ['ws://127.0.0.1:1'], wrtc: fakeWrtc },
    ]) {
      expect(() => resolveOptions(bad)).toThrow(expect.objectContaining({ name: 'ConfigError' }))
    }
  })
})
