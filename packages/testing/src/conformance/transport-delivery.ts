/**
 * Transport conformance, delivery: order and binary content survive (empty and large
 * messages included), and a sent buffer is copied, never aliased.
 */
import { expect, it } from 'vitest'
import { patternBytes } from '../pattern.js'
import { firstDifference } from './bytes.js'
import { connect, received, record, type TransportSuite } from './transport-case.js'

/** Registers the delivery cases. Call inside the suite's `describe`. */
export function transportDeliveryCases({ withPeers, testTimeout, pick }: TransportSuite): void {
  it('keeps order and binary content, including a 100 KiB and an empty message', withPeers(2, async (c) => {
    const [ab, ba] = await connect(pick(c, 0), pick(c, 1), c.signal)
    const atA = record(ab)
    const atB = record(ba)
    const payloads: Uint8Array[] = [new Uint8Array(0), patternBytes(100 * 1024, 1), new Uint8Array([0, 255, 0])]
    for (let i = 0; i < 100; i++) payloads.push(patternBytes(1 + ((i * 37) % 300), i + 2))
    payloads.push(new Uint8Array(0), patternBytes(64 * 1024 + 3, 999))
    for (const payload of payloads) {
      ab.send(payload)
      ba.send(payload)
    }
    await received(atB, payloads.length, c.signal, 'every message a sent')
    await received(atA, payloads.length, c.signal, 'every message b sent')
    for (const rec of [atA, atB]) {
      expect(rec.messages).toHaveLength(payloads.length)
      rec.messages.forEach((data, i) => {
        const want = payloads[i] as Uint8Array
        expect(data).toBeInstanceOf(Uint8Array)
        expect(data.byteLength).toBe(want.byteLength)
        expect(firstDifference(data, want)).toBe(-1)
      })
    }
  }), testTimeout)
  it('a buffer can be reused right after send(), and the receiver cannot alias it', withPeers(2, async (c) => {
    const [ab, ba] = await connect(pick(c, 0), pick(c, 1), c.signal)
    const atB = record(ba)
    const buffer = new Uint8Array([1, 2, 3, 4])
    ab.send(buffer)
    buffer.fill(9)
    await received(atB, 1, c.signal, 'the message')
    expect([...(atB.messages[0] ?? [])]).toEqual([1, 2, 3, 4])
    atB.messages[0]?.fill(0)
    expect([...buffer]).toEqual([9, 9, 9, 9])
  }), testTimeout)
}
