import { describe, expect, it } from 'vitest'
import { CHUNK_HEADER_BYTES, decodeWire, encodeAck, encodeChunks, encodeClose, encodeReady } from '../../src/frames.js'
import { Reassembler } from '../../src/reassembler.js'

function pattern(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length)
  let x = seed >>> 0 || 1
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    bytes[i] = x & 0xff
  }
  return bytes
}

/** Sends `data` through encode → decode → reassemble. */
function roundTrip(data: Uint8Array, chunkBytes: number, reassembler = new Reassembler({ maxMessageBytes: 64 << 20, maxPartialMessages: 4 })) {
  const chunks = encodeChunks(7, data, chunkBytes)
  let out: Uint8Array | undefined
  for (const chunk of chunks) {
    expect(chunk.byteLength).toBeLessThanOrEqual(chunkBytes)
    const wire = decodeWire(chunk)
    if (typeof wire === 'string' || wire.kind !== 'chunk') throw new Error(`bad wire: ${String(wire)}`)
    const result = reassembler.push(wire.id, wire.index, wire.count, wire.payload)
    if ('problem' in result) throw new Error(result.problem)
    if ('message' in result) out = result.message
  }
  return { chunks, out }
}

describe('frames and reassembly', () => {
  it('round-trips empty, small, exact-boundary and multi-chunk frames', () => {
    const room = 16 * 1024 - CHUNK_HEADER_BYTES
    for (const size of [0, 1, room - 1, room, room + 1, 3 * room, 1 << 20]) {
      const data = pattern(size, size + 1)
      const { chunks, out } = roundTrip(data, 16 * 1024)
      expect(chunks).toHaveLength(Math.max(1, Math.ceil(size / room)))
      expect(out?.byteLength).toBe(data.byteLength)
      expect(out !== undefined && out.every((b, i) => b === data[i])).toBe(true)
    }
  })

  it('copies: the sender may reuse its buffer, the receiver never aliases a chunk', () => {
    const data = pattern(100, 3)
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
    expect(message).toEqual(pattern(100, 3))
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
