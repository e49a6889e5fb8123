import { describe, expect, it } from 'vitest'
import { MAX_JSON_DEPTH, decodeClientMessage } from '../src/index.js'

function code(text: string): string | undefined {
  const r = decodeClientMessage(text)
  return r.ok ? undefined : r.error.code
}

describe('decodeClientMessage', () => {
  it('accepts each client message type and keeps a valid ref', () => {
    expect(decodeClientMessage('{"type":"hello","peerId":"a-B_9"}')).toEqual({ ok: true, message: { type: 'hello', peerId: 'a-B_9' } })
    expect(decodeClientMessage('{"type":"join","topic":"t1","ref":7}')).toEqual({ ok: true, message: { type: 'join', topic: 't1', ref: 7 } })
    expect(decodeClientMessage('{"type":"leave","topic":"t1"}')).toEqual({ ok: true, message: { type: 'leave', topic: 't1' } })
    expect(decodeClientMessage('{"type":"ping","ref":"r1"}')).toEqual({ ok: true, message: { type: 'ping', ref: 'r1' } })
    expect(decodeClientMessage('{"type":"signal","topic":"t","to":"b","data":{"sdp":"x"},"extra":1}')).toEqual({
      ok: true,
      message: { type: 'signal', topic: 't', to: 'b', data: { sdp: 'x' } },
    })
    expect(decodeClientMessage('{"type":"signal","topic":"t","to":"b","data":null}').ok).toBe(true)
  })

  it('rejects text that is not JSON with bad-json', () => {
    for (const t of ['', 'nope', '{"type":', '\u0000', '{"a":1}}']) expect(code(t)).toBe('bad-json')
  })

  it('rejects wrong shapes and types with bad-message', () => {
    const bad = [
      '[]', 'null', '42', '"hello"', '{}', '{"type":"nope"}', '{"type":7}',
      '{"type":"hello"}', '{"type":"hello","peerId":""}', '{"type":"hello","peerId":"has space"}',
      `{"type":"hello","peerId":"${'x'.repeat(65)}"}`, '{"type":"hello","peerId":["a"]}',
      `{"type":"join","topic":"${'t'.repeat(129)}"}`, '{"type":"join","topic":"a/b"}', '{"type":"join","topic":1}',
      '{"type":"signal","topic":"t","to":"b"}', '{"type":"signal","topic":"t","to":"","data":1}',
      '{"type":"ping","ref":-1}', '{"type":"ping","ref":1.5}', '{"type":"ping","ref":"a b"}', '{"type":"ping","ref":{}}',
    ]
    for (const t of bad) expect(code(t), t).toBe('bad-message')
  })

  it('accepts the longest valid peer id and topic', () => {
    expect(decodeClientMessage(`{"type":"hello","peerId":"${'x'.repeat(64)}"}`).ok).toBe(true)
    expect(decodeClientMessage(`{"type":"join","topic":"${'t'.repeat(128)}"}`).ok).toBe(true)
  })

  it('rejects prototype-pollution keys anywhere, and leaves Object.prototype alone', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      expect(code(`{"type":"ping","${key}":{"polluted":true}}`)).toBe('bad-message')
      expect(code(`{"type":"signal","topic":"t","to":"b","data":[{"x":{"${key}":{"polluted":true}}}]}`)).toBe('bad-message')
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
  })

  it('echoes a valid ref on rejected messages', () => {
    const r = decodeClientMessage('{"type":"join","topic":"bad topic","ref":"q1"}')
    expect(r).toMatchObject({ ok: false, ref: 'q1' })
  })

  it(`limits nesting to ${MAX_JSON_DEPTH} levels`, () => {
    const nest = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth)
    expect(decodeClientMessage(`{"type":"signal","topic":"t","to":"b","data":${nest(MAX_JSON_DEPTH - 1)}}`).ok).toBe(true)
    expect(code(`{"type":"signal","topic":"t","to":"b","data":${nest(MAX_JSON_DEPTH)}}`)).toBe('bad-message')
    expect(code(`{"type":"signal","topic":"t","to":"b","data":${nest(20_000)}}`)).toBe('bad-message')
  })
})
