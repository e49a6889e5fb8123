/**
 * A program that writes many small transactions in a row (each in its own turn of the event
 * loop, faster than the frame budget neighbours grant a peer) is not mistaken for a flood:
 * its publishes are paced and merged (layers/publish-pacer.ts), its neighbour never throttles
 * or cuts it off, and every transaction arrives, in a room without a secret and in one with.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { DEFAULT_LIMITS } from '../src/limits/content-limits.js'
import { Replica } from '../src/replica.js'
import { liveRooms } from './support/live-rooms.js'
import { eachTurn, textLength, writerAndReader } from './support/turns.js'

const SECRET = 'q3JxVbq8m2JrQ5fTn0sYl7cE1dH4kP9wZ6uA2bX8vN0'
const TRANSACTIONS = 2000

const { rooms } = liveRooms()

describe('merging local updates (open rooms)', () => {
  it('merges into as few updates as fit a frame within the limits, the same content in the same order', () => {
    const source = new Y.Doc()
    const updates: Uint8Array[] = []
    source.on('update', (update: Uint8Array) => updates.push(update))
    for (let i = 0; i < 300; i++) source.getText('t').insert(i, 'x'.repeat(40))
    const limits = { ...DEFAULT_LIMITS, updateBytes: 4096 }
    const merged = new Replica(new Y.Doc(), 'remote', () => undefined, { limits }).coalesce(updates)
    expect(merged.length).toBeGreaterThan(2)
    expect(merged.length).toBeLessThan(updates.length / 10)
    for (const update of merged) expect(update.byteLength).toBeLessThanOrEqual(4096)
    const target = new Y.Doc()
    for (const update of merged) Y.applyUpdate(target, update)
    expect(target.getText('t').toString()).toBe(source.getText('t').toString())
  })
})

describe('a fast writer', () => {
  for (const secret of [false, true]) {
    it(`${secret ? 'with' : 'without'} a secret: ${TRANSACTIONS} transactions, one per turn, all arrive; the writer is never throttled`, async () => {
      const { writer, reader, errors } = await writerAndReader(rooms, { name: 'fast', seed: 11, presence: false, ...(secret ? { secret: SECRET } : {}) })
      const text = writer.doc.getText('t')
      await eachTurn(TRANSACTIONS, (i) => text.insert(text.length, String.fromCharCode(97 + (i % 26))))
      await textLength(reader.doc, TRANSACTIONS)
      expect(reader.doc.getText('t').toString()).toBe(text.toString())
      const seen = reader.stats()
      expect(seen.framesThrottled).toBe(0)
      expect(seen.peersThrottled).toBe(0)
      expect(seen.peersCutOff).toBe(0)
      // Merged: fewer pushes than transactions (a burst of 250 goes one by one, then a quarter of the budget's rate).
      expect(seen.deltasReceived).toBeLessThan(TRANSACTIONS)
      expect(writer.stats().localUpdatesNotPushed).toBe(0)
      expect(errors.map((e) => `${e.error.name}: ${e.error.message}`)).toEqual([])
    })
  }
})
