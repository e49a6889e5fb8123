/**
 * Runs of one author queued between two writes of the chain log are merged into one record,
 * except across a split point (the chain kept the signature before a run): a record ends
 * there, so a restart before the next compaction keeps the chain's split points, and a
 * restore finds the same ones.
 */
import { describe, expect, it } from 'vitest'
import { ChainLog } from '../../src/storage/chain-log.js'
import { decodeChainRecord } from '../../src/storage/chain-record.js'
import { roomLayout } from '../../src/storage/layout.js'
import { generateIdentity, importPublicKey } from '../../src/crypto/identity-keys.js'
import { AuthorChains } from '../../src/trust/author-chains.js'
import { restoreChains, type RestoredRun } from '../../src/trust/chain-restore.js'
import { replica } from '../trust/support/replica.js'

const author = new Uint8Array(32).fill(1)
const run = (from: number, count: number) => ({ author, clientId: 7, from, entries: Array.from({ length: count }, () => new Uint8Array(100)), signature: new Uint8Array(64).fill(from % 256) })

function log(): ChainLog {
  return new ChainLog({ layout: roomLayout('merge'), writerId: 'w', compactBytes: 1 << 30, note: () => undefined, batch: () => Promise.resolve(), report: () => undefined })
}

describe('chain log records', () => {
  it('merges consecutive runs into one record, ending a record at each split point with its signature', () => {
    const chainLog = log()
    chainLog.start()
    // 20 runs of 2 entries; a split point before every fifth run.
    for (let i = 0; i < 20; i++) chainLog.add(run(1 + 2 * i, 2), i > 0 && i % 5 === 0)
    const records = chainLog.take().map((op) => (op.type === 'save' ? decodeChainRecord(op.data) : undefined))
    expect(records.map((r) => [r?.from, r?.entries.length])).toEqual([
      [1, 10],
      [11, 10],
      [21, 10],
      [31, 10],
    ])
    // Each record keeps the signature of its last run: the split point's.
    expect(records.map((r) => r?.signature[0])).toEqual([9, 19, 29, 39])
  })

  it("a chain's records, read back without a compaction, restore the same split points", async () => {
    const alice = await generateIdentity()
    const a = replica(alice, { partBytes: 4096 })
    const chainLog = log()
    chainLog.start()
    a.content.chains.onAppend = (chain, from, entries, signature, cut) => chainLog.add({ author: chain.author, clientId: chain.clientId, from, entries: entries.map((e) => e.bytes), signature }, cut)
    const text = a.doc.getText('t')
    for (let i = 0; i < 500; i += 3) {
      for (let j = 0; j < 3; j++) text.insert(text.length, 'x')
      await a.content.settled()
    }
    const runs: RestoredRun[] = chainLog.take().flatMap((op) => (op.type === 'save' ? [decodeChainRecord(op.data)] : []))
    const chains = new AuthorChains('refs', 1024)
    const result = await restoreChains({ chains, mayWrite: () => true, verifier: (key) => importPublicKey(key) }, runs)
    expect(result.problems).toEqual([])
    const own = a.content.own
    expect(own.marks.length).toBeGreaterThan(5)
    expect(chains.get(own.clientId)?.marks.map((m) => m.seq)).toEqual(own.marks.map((m) => m.seq))
  })

  it('without split points, every consecutive run of a write becomes one record', () => {
    const chainLog = log()
    chainLog.start()
    for (let i = 0; i < 20; i++) chainLog.add(run(1 + 2 * i, 2))
    expect(chainLog.take()).toHaveLength(1)
  })
})
