import { describe, expect, it } from 'vitest'
import { patternBytes } from '@gossamer/testing'
import {
  CHUNK_HEADER_BYTES,
  WHOLE_HEADER_BYTES,
  WireKind,
  decodeWire,
  encodeAck,
  encodeChunks,
  encodeClose,
  encodeFrame,
  encodeReady,
  encodeWhole,
} from '../../src/frames.js'
import { Reassembler } from '../../src/reassembler.js'

/** Sends `data` through encode → decode → reassemble, the way a connection does. */
function roundTrip(data: Uint8Array, chunkBytes: number, reassembler = new Reassembler({ maxMessageBytes: 64 << 20, maxPartialMessages: 4 })) {
  const messages = encodeFrame(7, data, chunkBytes)
  const kinds: string[] = []
  let out: Uint8Array | undefined
  for (const bytes of messages) {
    expect(bytes.byteLength).toBeLessThanOrEqual(chunkBytes)
    const wire = decodeWire(bytes)
    if (typeof wire === 'string' || (wire.kind !== 'chunk' && wire.kind !== 'whole')) throw new Error(`bad wire: ${String(wire)}`)
    kinds.push(wire.kind)
    const result = wire.kind === 'whole' ? reassembler.pushWhole(wire.payload) : reassembler.push(wire.id, wire.index, wire.count, wire.payload)
    if ('problem' in result) throw new Error(result.problem)
    if ('message' in result) out = result.message
  }
  return { messages, kinds, out }
}

const sameBytes = (a: Uint8Array | undefined, b: Uint8Array): boolean => a !== undefined && a.byteLength === b.byteLength && a.every((v, i) => v === b[i])

describe('frames and reassembly', () => {
  it('round-trips empty, small, exact-boundary and multi-chunk frames', () => {
    const chunkBytes = 16 * 1024
    const room = chunkBytes - CHUNK_HEADER_BYTES
    for (const size of [0, 1, 20, 60, room, chunkBytes - 1, chunkBytes, 3 * room, 1 << 20]) {
      const data = patternBytes(size, size + 1)
      const { kinds, out } = roundTrip(data, chunkBytes)
      const whole = size > 0 && size + WHOLE_HEADER_BYTES <= chunkBytes
      expect(kinds).toEqual(whole ? ['whole'] : Array<string>(Math.max(1, Math.ceil(size / room))).fill('chunk'))
      expect(sameBytes(out, data)).toBe(true)
    }
  })

  it('sends a frame whole up to exactly chunkBytes, and in chunks from one byte more', () => {
    for (const chunkBytes of [64, 16 * 1024, 65536]) {
      const fits = patternBytes(chunkBytes - WHOLE_HEADER_BYTES, chunkBytes)
      const [whole, ...rest] = encodeFrame(1, fits, chunkBytes)
      expect(rest).toEqual([])
      expect(whole?.byteLength).toBe(chunkBytes)
      expect(whole?.[0]).toBe(WireKind.Whole)
      expect(sameBytes(whole?.subarray(1), fits)).toBe(true)
      expect(roundTrip(fits, chunkBytes).kinds).toEqual(['whole'])

      const over = patternBytes(chunkBytes, chunkBytes + 1)
      const { messages, kinds, out } = roundTrip(over, chunkBytes)
      expect(kinds).toEqual(['chunk', 'chunk'])
      expect(messages.every((m) => m[0] === WireKind.Chunk)).toBe(true)
      expect(sameBytes(out, over)).toBe(true)
    }
  })

  it('round-trips a whole message: 1-byte header, payload copied on both sides', () => {
    const data = patternBytes(40, 9)
    const bytes = encodeWhole(data)
    expect(bytes.byteLength).toBe(41)
    data.fill(0)
    const wire = decodeWire(bytes)
    if (typeof wire === 'string' || wire.kind !== 'whole') throw new Error(`bad wire: ${String(wire)}`)
    expect(wire.payload).toEqual(patternBytes(40, 9))
    const result = new Reassembler({ maxMessageBytes: 100, maxPartialMessages: 1 }).pushWhole(wire.payload)
    bytes.fill(0)
    expect(result).toEqual({ message: patternBytes(40, 9) })
  })

  it('rejects an empty whole message, and never sends one: an empty frame goes as a chunk', () => {
    expect(decodeWire(Uint8Array.of(WireKind.Whole))).toBe('whole message without a payload')
    expect(decodeWire(encodeWhole(new Uint8Array(0)))).toBeTypeOf('string')
    expect(decodeWire(new Uint8Array(8).subarray(3, 4).fill(WireKind.Whole))).toBeTypeOf('string') // a view, too
    const [empty, ...rest] = encodeFrame(1, new Uint8Array(0), 64)
    expect(rest).toEqual([])
    expect(empty?.[0]).toBe(WireKind.Chunk)
  })

  it('drops a whole frame between the chunks of a message, or over the limit; the partial message still completes', () => {
    const r = new Reassembler({ maxMessageBytes: 250, maxPartialMessages: 4 })
    const chunk = new Uint8Array(100).fill(1)
    expect(r.push(1, 0, 2, chunk)).toEqual({ pending: true })
    const interloper = r.pushWhole(Uint8Array.of(9))
    expect(interloper).toHaveProperty('problem')
    expect((interloper as { problem: string }).problem).toMatch(/between the chunks of message 1/)
    expect(r.partialCount).toBe(1)
    const done = r.push(1, 1, 2, chunk)
    expect(done).toHaveProperty('message')
    expect((done as { message: Uint8Array }).message.byteLength).toBe(200)
    expect(r.pushWhole(new Uint8Array(251))).toHaveProperty('problem')
    expect(r.pushWhole(new Uint8Array(250))).toHaveProperty('message')
  })

  it('copies: the sender may reuse its buffer, the receiver never aliases a chunk', () => {
    const data = patternBytes(100, 3)
    const chunks = encodeChunks(1, data, 64)
    data.fill(0)
    const r = new Reassembler({ maxMessageBytes: 1000, maxPartialMessages: 1 })
    let message: Uint8Array | undefined
    for (const chunk of chunks) {
      const wire = decodeWire(chunk)
      if (typeof wire === 'string' || wire.kind !== 'chunk') throw new Error('bad')
      const result = r.push(wire.id, wire.index, wire.count, wire.payload)
      if ('message' in result) message = result.message
      chunk.fill(0)
    }
    expect(message).toEqual(patternBytes(100, 3))
  })

  it('decodes control messages and rejects malformed ones', () => {
    expect(decodeWire(encodeReady())).toEqual({ kind: 'ready' })
    expect(decodeWire(encodeAck())).toEqual({ kind: 'ack' })
    expect(decodeWire(Uint8Array.of(3, 0))).toBeTypeOf('string') // ack with a body
    expect(decodeWire(encodeClose('bye'))).toEqual({ kind: 'close', reason: 'bye' })
    expect(decodeWire(new Uint8Array(0))).toBeTypeOf('string')
    expect(decodeWire(Uint8Array.of(0, 1, 2))).toBeTypeOf('string') // short header
    expect(decodeWire(Uint8Array.of(9))).toBeTypeOf('string') // unknown kind
    expect(decodeWire(Uint8Array.of(1, 0))).toBeTypeOf('string') // ready with a body
    const outOfRange = encodeChunks(1, new Uint8Array(10), 64)[0]!
    new DataView(outOfRange.buffer).setUint32(5, 5) // index 5 of 1
    expect(decodeWire(outOfRange)).toBeTypeOf('string')
    const zeroCount = encodeChunks(1, new Uint8Array(10), 64)[0]!
    new DataView(zeroCount.buffer).setUint32(9, 0)
    expect(decodeWire(zeroCount)).toBeTypeOf('string')
  })

  it('decodeWire never throws: garbage and truncated messages become problem strings or well-formed messages', () => {
    const valid = [encodeWhole(patternBytes(30, 1)), ...encodeChunks(2, patternBytes(100, 2), 64), encodeReady(), encodeAck(), encodeClose('bye')]
    const inputs: Uint8Array[] = []
    for (const bytes of valid) for (let end = 0; end <= bytes.byteLength; end++) inputs.push(bytes.subarray(0, end))
    for (let seed = 1; seed <= 2000; seed++) {
      const bytes = patternBytes(seed % 40, seed)
      if (bytes.byteLength > 0) bytes[0] = bytes[0]! % 7 // mostly known kinds, some unknown
      inputs.push(bytes)
    }
    for (const bytes of inputs) {
      const wire = decodeWire(bytes)
      if (typeof wire === 'string') continue
      switch (wire.kind) {
        case 'whole':
          expect(wire.payload.byteLength).toBeGreaterThan(0)
          break
        case 'chunk':
          expect(wire.index).toBeLessThan(wire.count)
          break
        default:
          expect(['ready', 'ack', 'close']).toContain(wire.kind)
      }
    }
    expect(decodeWire(Uint8Array.of(5))).toBeTypeOf('string') // the first unknown kind after whole
    expect(decodeWire(Uint8Array.of(0xff, 1, 2, 3))).toBeTypeOf('string')
  })

  it('drops a message whose chunks skip, repeat or change their count, and recovers', () => {
    const r = new Reassembler({ maxMessageBytes: 1 << 20, maxPartialMessages: 4 })
    const payload = new Uint8Array(100)
    expect(r.push(1, 0, 3, payload)).toEqual({ pending: true })
    expect(r.push(1, 2, 3, payload)).toHaveProperty('problem') // skipped chunk 1
    expect(r.push(1, 1, 3, payload)).toEqual({ pending: true }) // rest of a dropped message: quiet
    expect(r.push(2, 1, 3, payload)).toHaveProperty('problem') // no first chunk
    expect(r.push(3, 0, 3, payload)).toEqual({ pending: true })
    expect(r.push(3, 1, 4, payload)).toHaveProperty('problem') // count changed
    expect(r.push(4, 0, 2, payload)).toEqual({ pending: true })
    expect(r.push(4, 0, 2, payload)).toHaveProperty('problem') // first chunk twice
    expect(r.push(5, 0, 2, new Uint8Array(3))).toHaveProperty('problem') // tiny non-final chunk
    expect(r.partialCount).toBe(0)
    const ok = r.push(6, 0, 1, Uint8Array.of(1, 2, 3))
    expect(ok).toEqual({ message: Uint8Array.of(1, 2, 3) })
  })

  it('enforces the total size and the number of partial messages', () => {
    const r = new Reassembler({ maxMessageBytes: 250, maxPartialMessages: 2 })
    const chunk = new Uint8Array(100)
    expect(r.push(1, 0, 3, chunk)).toEqual({ pending: true })
    expect(r.push(1, 1, 3, chunk)).toEqual({ pending: true })
    expect(r.push(1, 2, 3, chunk)).toHaveProperty('problem') // 300 > 250
    expect(r.push(2, 0, 1, new Uint8Array(251))).toHaveProperty('problem')
    expect(r.push(3, 0, 1_000_000, chunk)).toHaveProperty('problem') // claims far too many chunks
    expect(r.push(4, 0, 2, chunk)).toEqual({ pending: true })
    expect(r.push(5, 0, 2, chunk)).toEqual({ pending: true })
    expect(r.push(6, 0, 2, chunk)).toHaveProperty('problem') // a third partial message
    expect(r.push(4, 1, 2, chunk)).toHaveProperty('message')
    expect(r.push(5, 1, 2, chunk)).toHaveProperty('message')
  })
})
