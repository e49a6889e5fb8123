/**
 * Replies in parts in rooms with a secret (trust/reply-parts.ts): chains keep a signature now
 * and then as a split point, a reply is cut there into parts of about the room's
 * `updateBytes`, every part checks on its own, and a joiner that takes the parts (in order,
 * or all at once as the network hands them over) ends with the same document. Split points
 * survive storage: a restore checks them and keeps them.
 */
import { describe, expect, it } from 'vitest'
import { generateIdentity, importPublicKey } from '../../src/crypto/identity-keys.js'
import type { PeerId } from '../../src/transport.js'
import { AuthorChains } from '../../src/trust/author-chains.js'
import { signedMessage } from '../../src/trust/chain.js'
import { restoreChains, type RestoredRun } from '../../src/trust/chain-restore.js'
import { MIN_CHECKPOINT_ENTRIES } from '../../src/trust/checkpoint.js'
import { clientIdOf } from '../../src/trust/client-id.js'
import { decodePayload, type Segment } from '../../src/trust/signed-payload.js'
import { replica } from './support/replica.js'

type Replica = ReturnType<typeof replica>

const PART_BYTES = 4096
const PEER = 'server' as PeerId

/** Types `count` keystrokes into `r`'s text in bursts of `burst`, each burst signed on its own. */
async function typeInBursts(r: Replica, count: number, burst = 3): Promise<void> {
  const text = r.doc.getText('t')
  for (let i = 0; i < count; i += burst) {
    for (let j = i; j < Math.min(count, i + burst); j++) text.insert(Math.floor(text.length / 2), String.fromCharCode(97 + (j % 26)))
    await r.content.settled()
  }
}

/** Every part of the reply `server` gives a peer in `client`'s state. */
function partsFor(server: Replica, client: Replica): { payload: Uint8Array; last: boolean }[] {
  const parts = server.content.diffParts(client.content.state())
  const out = [parts.next()]
  while (!(out[out.length - 1] as { last: boolean }).last) out.push(parts.next())
  return out
}

/** The runs of a part. */
function runsOf(payload: Uint8Array): Segment[] {
  const decoded = decodePayload(payload)
  if (decoded.kind !== 'segments') throw new Error('expected segments')
  return decoded.segments
}

const text = (r: Replica): string => r.doc.getText('t').toString()

describe('replies in parts (rooms with a secret)', () => {
  it('a chain keeps a signature as a split point each time a quarter of the part size of entries passed', async () => {
    const alice = await generateIdentity()
    const a = replica(alice, { partBytes: PART_BYTES })
    await typeInBursts(a, 600)
    const chain = a.content.own
    const chains = a.content.chains
    const bytes = chain.entries.reduce((sum, e) => sum + e.bytes.byteLength, 0)
    // A mark comes at the first signature at least a quarter of the part size past the last one (bursts here are about 100 bytes).
    expect(chain.marks.length).toBeGreaterThanOrEqual(Math.floor(bytes / (PART_BYTES / 4 + 200)))
    expect(chain.marks.length).toBeLessThanOrEqual(Math.ceil(bytes / (PART_BYTES / 4)))
    const verifier = await importPublicKey(alice.publicKey)
    let previous = 0
    for (const mark of chain.marks) {
      expect(mark.seq).toBeLessThan(chain.entries.length)
      const between = chain.entries.slice(previous, mark.seq).reduce((sum, e) => sum + e.bytes.byteLength, 0)
      expect(between).toBeGreaterThanOrEqual(PART_BYTES / 4)
      expect(await verifier.verify(signedMessage(chains.headAt(chain, mark.seq)), mark.signature)).toBe(true)
      previous = mark.seq
    }
  })

  it('a joiner takes a long chain in parts, each within the budget where split points allow, each checked on its own', async () => {
    const [alice, bob, carol] = await Promise.all([generateIdentity(), generateIdentity(), generateIdentity()])
    const a = replica(alice, { partBytes: PART_BYTES })
    const b = replica(bob, { partBytes: PART_BYTES })
    await typeInBursts(a, 500)
    // Bob builds on Alice's text, so his entries depend on hers across parts.
    for (const part of partsFor(a, b)) expect(await b.content.apply(part.payload, PEER)).toMatchObject({ ok: true })
    await typeInBursts(b, 300)
    for (const part of partsFor(b, a)) await a.content.apply(part.payload, PEER)
    expect(text(a)).toBe(text(b))

    const c = replica(carol, { partBytes: PART_BYTES })
    const parts = partsFor(a, c)
    expect(parts.length).toBeGreaterThan(4)
    expect(parts.filter((p) => p.last)).toHaveLength(1)
    // Split points are about a quarter of the budget apart, so parts stay near the budget; a part whose
    // run carries a checkpoint reaches the checkpoint's seq, and may be larger.
    const plain = parts.filter((p) => runsOf(p.payload).every((run) => run.checkpoint === undefined))
    expect(plain.length).toBeGreaterThan(2)
    for (const part of plain) expect(part.payload.byteLength).toBeLessThanOrEqual(PART_BYTES + PART_BYTES / 2)
    // Each author's pieces continue each other, in order.
    const next = new Map<number, number>()
    for (const part of parts) {
      for (const run of runsOf(part.payload)) {
        const id = clientIdOf(run.author)
        expect(run.from).toBe((next.get(id) ?? 0) + 1)
        next.set(id, run.from + run.entries.length - 1)
      }
    }
    expect(next.get(clientIdOf(alice.publicKey))).toBe(a.content.chains.length(clientIdOf(alice.publicKey)))
    expect(next.get(clientIdOf(bob.publicKey))).toBe(a.content.chains.length(clientIdOf(bob.publicKey)))
    for (const part of parts) expect(await c.content.apply(part.payload, PEER)).toMatchObject({ ok: true })
    expect(text(c)).toBe(text(a))
    expect(c.content.digest()).toBe(a.content.digest())
    expect([...a.errors, ...b.errors, ...c.errors]).toEqual([])
  })

  it('parts handed over all at once (not each awaited) still queue in order and converge', async () => {
    const [alice, bob] = await Promise.all([generateIdentity(), generateIdentity()])
    const a = replica(alice, { partBytes: PART_BYTES })
    const b = replica(bob, { partBytes: PART_BYTES })
    // Bob holds the start of Alice's chain, so what he misses comes without a checkpoint, in many parts.
    await typeInBursts(a, 60)
    for (const part of partsFor(a, b)) await b.content.apply(part.payload, PEER)
    await typeInBursts(a, 400)
    const parts = partsFor(a, b)
    expect(parts.length).toBeGreaterThan(4)
    const results = await Promise.all(parts.map((part) => b.content.apply(part.payload, PEER)))
    for (const result of results) expect(result).toMatchObject({ ok: true })
    expect(results.every((r) => r.ok && r.held !== true)).toBe(true)
    expect(text(b)).toBe(text(a))
    expect(b.content.chains.length(clientIdOf(alice.publicKey))).toBe(a.content.own.entries.length)
    expect(b.errors).toEqual([])

    // A joiner that holds nothing: the first part carries a checkpoint (taken ahead, which takes a
    // macrotask), and the runs of later parts continue it; they must not get ahead of it.
    const carol = await generateIdentity()
    const c = replica(carol, { partBytes: PART_BYTES })
    const fresh = partsFor(a, c)
    expect(runsOf((fresh[0] as { payload: Uint8Array }).payload)[0]?.checkpoint).toBeDefined()
    expect(fresh.length).toBeGreaterThan(1)
    const taken = await Promise.all(fresh.map((part) => c.content.apply(part.payload, PEER)))
    expect(taken.every((r) => r.ok && r.held !== true)).toBe(true)
    expect(c.content.chains.length(clientIdOf(alice.publicKey))).toBe(a.content.own.entries.length)
    expect(text(c)).toBe(text(a))
    expect(c.stats.checkpointsApplied).toBe(1)
    expect(c.errors).toEqual([])
  })

  it("a checkpoint rides on the first part, whose run reaches the checkpoint's seq", async () => {
    const [alice, bob] = await Promise.all([generateIdentity(), generateIdentity()])
    const a = replica(alice, { partBytes: PART_BYTES })
    await typeInBursts(a, 2 * MIN_CHECKPOINT_ENTRIES + 30)
    const me = clientIdOf(alice.publicKey)
    const checkpoint = a.content.chains.checkpoint(me)
    expect(checkpoint?.seq).toBeGreaterThanOrEqual(MIN_CHECKPOINT_ENTRIES)
    const b = replica(bob, { partBytes: PART_BYTES })
    const parts = partsFor(a, b)
    expect(parts.length).toBeGreaterThan(1)
    const first = runsOf((parts[0] as { payload: Uint8Array }).payload)[0] as Segment
    expect(first.from).toBe(1)
    expect(first.checkpoint?.seq).toBe(checkpoint?.seq)
    expect(first.entries.length).toBeGreaterThanOrEqual(checkpoint?.seq ?? Infinity)
    for (const part of parts.slice(1)) for (const run of runsOf(part.payload)) expect(run.checkpoint).toBeUndefined()
    for (const part of parts) expect(await b.content.apply(part.payload, PEER)).toMatchObject({ ok: true })
    expect(b.stats.checkpointsApplied).toBe(1)
    expect(text(b)).toBe(text(a))
    expect(b.errors).toEqual([])
  })

  it('a restore keeps the stored signatures of split points that verify, and reports one that does not', async () => {
    const alice = await generateIdentity()
    const a = replica(alice, { partBytes: PART_BYTES })
    await typeInBursts(a, 500)
    const chain = a.content.own
    expect(chain.marks.length).toBeGreaterThan(3)
    // Stored as a compaction writes it: runs that end at the split points, then the rest.
    const runs: RestoredRun[] = []
    let from = 1
    for (const { seq, signature } of [...chain.marks, { seq: chain.entries.length, signature: chain.signature }]) {
      runs.push({ author: alice.publicKey, from, entries: chain.entries.slice(from - 1, seq).map((e) => e.bytes), signature })
      from = seq + 1
    }
    const restore = async (stored: RestoredRun[]) => {
      const chains = new AuthorChains('refs', PART_BYTES / 4)
      const result = await restoreChains({ chains, mayWrite: () => true, verifier: (key) => importPublicKey(key) }, stored)
      return { chains, result }
    }
    const good = await restore(runs)
    expect(good.result.problems).toEqual([])
    expect(good.chains.get(chain.clientId)?.marks.map((m) => m.seq)).toEqual(chain.marks.map((m) => m.seq))
    // A tampered split point is reported and skipped; the chain still loads whole.
    const tampered = runs.map((run, i) => (i === 1 ? { ...run, signature: run.signature.map((byte, j) => (j === 0 ? byte ^ 1 : byte)) } : run))
    const bad = await restore(tampered)
    expect(bad.result.entries).toBe(chain.entries.length)
    expect(bad.result.problems.map((p) => p.reason)).toEqual([`a stored signature of entry ${chain.marks[1]?.seq} does not verify`])
    expect(bad.chains.get(chain.clientId)?.marks.map((m) => m.seq)).not.toContain(chain.marks[1]?.seq)
  })
})
