/**
 * Runs of one author queued between two writes of the chain log are merged into one record,
 * but only up to the chains' split spacing (`mergeBytes`): the signatures at the cuts stay
 * stored, so a restart before the next compaction keeps the chain's split points.
 */
import { describe, expect, it } from 'vitest'
import { ChainLog } from '../../src/storage/chain-log.js'
import { decodeChainRecord } from '../../src/storage/chain-record.js'
import { roomLayout } from '../../src/storage/layout.js'

const author = new Uint8Array(32).fill(1)
const run = (from: number, count: number) => ({ author, clientId: 7, from, entries: Array.from({ length: count }, () => new Uint8Array(100)), signature: new Uint8Array(64).fill(from % 256) })

function log(): ChainLog {
  return new ChainLog({ layout: roomLayout('merge'), writerId: 'w', compactBytes: 1 << 30, note: () => undefined, batch: () => Promise.resolve(), report: () => undefined })
}

describe('chain log records', () => {
  it('merges consecutive runs into one record while it stays under mergeBytes, keeping the signature at each cut', () => {
    const chainLog = log()
    chainLog.mergeBytes = 1000
    chainLog.start()
    // 20 runs of 2 entries (200 bytes each): records of at most 4 runs (800 bytes).
    for (let i = 0; i < 20; i++) chainLog.add(run(1 + 2 * i, 2))
    const records = chainLog.take().map((op) => (op.type === 'save' ? decodeChainRecord(op.data) : undefined))
    expect(records.map((r) => [r?.from, r?.entries.length])).toEqual([
      [1, 8],
      [9, 8],
      [17, 8],
      [25, 8],
      [33, 8],
    ])
    // Each record keeps the signature of its last run.
    expect(records.map((r) => r?.signature[0])).toEqual([7, 15, 23, 31, 39])
  })

  it('without a spacing, every consecutive run of a write becomes one record', () => {
    const chainLog = log()
    chainLog.start()
    for (let i = 0; i < 20; i++) chainLog.add(run(1 + 2 * i, 2))
    expect(chainLog.take()).toHaveLength(1)
  })
})
