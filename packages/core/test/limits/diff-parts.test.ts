import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { DiffParts, type PartBudget } from '../../src/limits/diff-parts.js'
import { readiness } from '../../src/limits/update-readiness.js'
import { scanUpdate } from '../../src/limits/update-scan.js'
import { documentDigest } from '../../src/replica.js'
import { merged, randomReplicas } from './support/random-docs.js'

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8]

/** Applies every part of the diff from `source` to `target`, checking each is within the budget and integrates whole. */
function syncInParts(source: Y.Doc, target: Y.Doc, budget: PartBudget, seed: number): number {
  const parts = new DiffParts(source, Y.decodeStateVector(Y.encodeStateVector(target)), budget)
  let count = 0
  for (;;) {
    const part = parts.next()
    count++
    expect(count, `seed ${seed}: too many parts`).toBeLessThan(100_000)
    // A part may exceed the byte budget only by one struct that cannot be sliced.
    const scan = scanUpdate(part.update, { updateBytes: Infinity, structs: budget.structs, gcStructs: Infinity, deleteRanges: budget.deleteRanges, depth: 1000 })
    if (part.update.byteLength > budget.bytes) expect(scan.structs, `seed ${seed}: part ${count} is ${part.update.byteLength} bytes`).toBe(1)
    const ready = readiness(scan, (client) => Y.getState(target.store, client))
    expect(ready, `seed ${seed}: part ${count} does not integrate whole`).toEqual({ ready: true })
    Y.applyUpdate(target, part.update)
    expect(target.store.pendingStructs, `seed ${seed}: part ${count} left pending structs`).toBeNull()
    expect(target.store.pendingDs, `seed ${seed}: part ${count} left pending deletes`).toBeNull()
    if (part.last) return count
  }
}

describe('DiffParts', () => {
  for (const gc of [true, false]) {
    it(`sends what a peer misses in parts within the budget, each integrating whole (gc ${gc})`, { timeout: 60_000 }, () => {
      for (const seed of SEEDS) {
        const replicas = randomReplicas(seed, 4, 250, gc)
        const source = merged(replicas, gc)
        for (const [label, target] of [
          ['empty', new Y.Doc({ gc })],
          ['one replica', merged([replicas[0] as Y.Doc], gc)],
          ['two replicas', merged([replicas[1] as Y.Doc, replicas[2] as Y.Doc], gc)],
        ] as const) {
          // The oracle: the same target synced by Yjs's own diff.
          const expected = merged([target], gc)
          Y.applyUpdate(expected, Y.encodeStateAsUpdate(source, Y.encodeStateVector(expected)))
          for (const budget of [
            { bytes: 200, structs: 4, deleteRanges: 2 },
            { bytes: 4000, structs: 60, deleteRanges: 25 },
            { bytes: 1 << 20, structs: 10_000, deleteRanges: 10_000 },
          ]) {
            const copy = merged([target], gc)
            syncInParts(source, copy, budget, seed)
            const what = `seed ${seed}, ${label}, ${JSON.stringify(budget)}`
            expect(documentDigest(copy), what).toBe(documentDigest(source))
            expect(copy.getText('t').toDelta(), what).toEqual(expected.getText('t').toDelta())
            expect(copy.getMap('m').toJSON(), what).toEqual(expected.getMap('m').toJSON())
            expect(copy.getArray('a').toJSON(), what).toEqual(expected.getArray('a').toJSON())
            expect(copy.getXmlFragment('x').toString(), what).toBe(expected.getXmlFragment('x').toString())
          }
        }
      }
    })
  }

  it('slices one huge item into parts (a long paste with emoji, a large array)', () => {
    const source = new Y.Doc()
    source.getText('t').insert(0, 'ab🦀'.repeat(50_000))
    source.getArray('a').insert(0, Array.from({ length: 5_000 }, (_, i) => ({ i, s: 'value' })))
    const target = new Y.Doc()
    const parts = syncInParts(source, target, { bytes: 16_384, structs: 1000, deleteRanges: 1000 }, 0)
    expect(parts).toBeGreaterThan(10)
    expect(target.getText('t').toString()).toBe(source.getText('t').toString())
    expect(target.getArray('a').toJSON()).toEqual(source.getArray('a').toJSON())
  })

  it('a peer that holds everything gets one small last part', () => {
    const [a] = randomReplicas(3, 1, 100)
    const source = a as Y.Doc
    const target = merged([source])
    const part = new DiffParts(source, Y.decodeStateVector(Y.encodeStateVector(target)), { bytes: 1 << 20, structs: 10_000, deleteRanges: 10_000 }).next()
    expect(part.last).toBe(true)
    expect(scanUpdate(part.update, { updateBytes: 1 << 20, structs: 0, gcStructs: 0, deleteRanges: 10_000, depth: 10 }).structs).toBe(0)
  })
})
