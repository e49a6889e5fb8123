/**
 * Issue 12, bug 4: an anti-entropy round that started while a large sync reply was still in
 * flight restarted the exchange, and the document crossed the wire twice. Joining a
 * 10,000-edit document now costs about its `encodeStateAsUpdate` size, every time, even with
 * rounds much shorter than the transfer.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createRoom, memoryNetwork, seededRandom, VirtualClock } from '../src/index.js'

const EDITS = 10_000

describe('joining a large document', () => {
  it.each([1, 2, 3, 4, 5])('seed %i: the joiner gets the document once (≤ 1.05 × its state size)', async (seed) => {
    const clock = new VirtualClock()
    // Rounds of 100 ms against 80-100 ms links: an exchange spans three rounds or more.
    const network = memoryNetwork({ clock, random: seededRandom(seed), latency: { min: 80, max: 100 } })
    const room = (i: number) =>
      createRoom({ name: 'join-cost', doc: new Y.Doc(), transports: [network.transport()], clock, random: seededRandom(seed * 10 + i), roundMs: 100, presence: false, peerId: `p${i}` })
    const writer = room(0)
    const text = writer.doc.getText('t')
    const random = seededRandom(seed)
    for (let i = 0; i < EDITS; i++) text.insert(Math.floor(random.next() * (text.length + 1)), 'x')
    const size = Y.encodeStateAsUpdate(writer.doc).byteLength
    await clock.advance(200)
    const joiner = room(1)
    for (let i = 0; i < 200 && joiner.doc.getText('t').length < EDITS; i++) await clock.advance(100)
    await clock.advance(1000)
    expect(joiner.doc.getText('t').length).toBe(EDITS)
    const sent = network.peerStats('p0').bytesSent
    expect(sent, `writer sent ${sent} bytes for a ${size}-byte state`).toBeLessThanOrEqual(1.05 * size)
    await Promise.all([writer.close(), joiner.close()])
  })
})
