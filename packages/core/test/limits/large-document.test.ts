/**
 * The limits are per frame, not per document: a 10 MB document syncs to a joiner in
 * SyncPart frames each within the default 1 MiB, and a local edit too large for one frame
 * is not pushed but still reaches the other peer through anti-entropy, in parts.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createRoom, DEFAULT_LIMITS, memoryNetwork, seededRandom, VirtualClock } from '../../src/index.js'

const CHUNK = 100_000
const CHUNKS = 100

describe('a 10 MB document', () => {
  it('syncs to a joiner in parts within the per-frame limit', { timeout: 120_000 }, async () => {
    const clock = new VirtualClock()
    const network = memoryNetwork({ clock, random: seededRandom(1), latency: { min: 5, max: 10 } })
    const room = (i: number) =>
      createRoom({ name: 'big', doc: new Y.Doc(), transports: [network.transport()], clock, random: seededRandom(10 + i), roundMs: 200, presence: false, peerId: `p${i}` })
    const writer = room(0)
    const text = writer.doc.getText('t')
    for (let i = 0; i < CHUNKS; i++) text.insert(text.length, String.fromCharCode(97 + (i % 26)).repeat(CHUNK))
    expect(Y.encodeStateAsUpdate(writer.doc).byteLength).toBeGreaterThan(10_000_000)
    await clock.advance(200)
    const joiner = room(1)
    const rejected: Error[] = []
    joiner.on('error', ({ error }) => rejected.push(error))
    const stop = AbortSignal.timeout(100_000)
    while (joiner.doc.getText('t').length < CHUNK * CHUNKS && !stop.aborted) await clock.advance(100)
    expect(joiner.doc.getText('t').toString()).toBe(text.toString())
    expect(writer.stats().syncPartsSent).toBeGreaterThanOrEqual(10)
    expect(joiner.stats().syncPartsReceived).toBe(writer.stats().syncPartsSent)
    expect(rejected).toEqual([])

    // A 3 MB local edit: over the limit for one frame, so not pushed; repair brings it in parts.
    text.insert(0, 'z'.repeat(3_000_000))
    expect(writer.stats().localUpdatesNotPushed).toBe(1)
    while (joiner.doc.getText('t').length < text.length && !stop.aborted) await clock.advance(100)
    expect(joiner.doc.getText('t').length).toBe(text.length)
    expect(DEFAULT_LIMITS.updateBytes).toBeLessThan(3_000_000)
    await Promise.all([writer.close(), joiner.close()])
  })
})
