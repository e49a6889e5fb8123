/**
 * Replies in parts in rooms with a secret (trust/reply-parts.ts): chains keep a signature now
 * and then as a split point, a reply is cut there into parts of about the room's
 * `updateBytes`, every part checks on its own, and a joiner that takes the parts (in order,
 * or all at once as the network hands them over) ends with the same document. Split points
 * survive storage: a restore checks them and keeps them.
 */
import { describe, expect, it } from 'vitest'
import { generateIdentity, importPublicKey, type PeerPublicKey } from '../../src/crypto/identity-keys.js'
import type { PeerId } from '../../src/transport.js'
import { AuthorChains, type AuthorChain } from '../../src/trust/author-chains.js'
import { signedMessage } from '../../src/trust/chain.js'
import { restoreChains, type RestoredRun } from '../../src/trust/chain-restore.js'
import { MIN_CHECKPOINT_ENTRIES, type Checkpoint } from '../../src/trust/checkpoint.js'
import { clientIdOf } from '../../src/trust/client-id.js'
import { LIMITS } from '../../src/protocol/messages.js'
import { runBytes, splitRun } from '../../src/trust/reply-parts.js'
import { decodePayload, encodeSegments, type Segment } from '../../src/trust/signed-payload.js'
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

  it('a peer takes long chains of two authors in parts, each within the budget where split points allow, each checked on its own', async () => {
    const [alice, bob, carol] = await Promise.all([generateIdentity(), generateIdentity(), generateIdentity()])
    const a = replica(alice, { partBytes: PART_BYTES })
    const b = replica(bob, { partBytes: PART_BYTES })
    const c = replica(carol, { partBytes: PART_BYTES })
    const exchange = async (from: Replica, to: Replica): Promise<void> => {
      for (const part of partsFor(from, to)) expect(await to.content.apply(part.payload, PEER)).toMatchObject({ ok: true })
    }
    // Carol holds the start of both chains (no checkpoint yet), so what she misses later comes without one.
    await typeInBursts(a, 30)
    await exchange(a, b)
    await typeInBursts(b, 30)
    await exchange(b, a)
    await exchange(a, c)
    await typeInBursts(a, 500)
    // Bob builds on Alice's text, so his entries depend on hers across parts.
    await exchange(a, b)
    await typeInBursts(b, 300)
    await exchange(b, a)
    expect(text(a)).toBe(text(b))

    const parts = partsFor(a, c)
    expect(parts.length).toBeGreaterThan(6)
    expect(parts.filter((p) => p.last)).toHaveLength(1)
    // Split points are about a quarter of the budget apart, so parts stay near the budget.
    for (const part of parts) expect(part.payload.byteLength).toBeLessThanOrEqual(PART_BYTES + PART_BYTES / 2)
    // Each author's pieces continue each other, in order.
    const next = new Map<number, number>([[clientIdOf(alice.publicKey), 30], [clientIdOf(bob.publicKey), 30]])
    for (const part of parts) {
      for (const run of runsOf(part.payload)) {
        const id = clientIdOf(run.author)
        expect(run.checkpoint).toBeUndefined()
        expect(run.from).toBe((next.get(id) ?? 0) + 1)
        next.set(id, run.from + run.entries.length - 1)
      }
    }
    expect(next.get(clientIdOf(alice.publicKey))).toBe(a.content.chains.length(clientIdOf(alice.publicKey)))
    expect(next.get(clientIdOf(bob.publicKey))).toBe(a.content.chains.length(clientIdOf(bob.publicKey)))
    // Handed over all at once, as a network delivers them: each payload's runs queue in arrival order.
    const results = await Promise.all(parts.map((part) => c.content.apply(part.payload, PEER)))
    expect(results.every((r) => r.ok && r.held !== true)).toBe(true)
    expect(text(c)).toBe(text(a))
    expect(c.content.digest()).toBe(a.content.digest())
    expect([...a.errors, ...b.errors, ...c.errors]).toEqual([])
  })

  it('a peer that took parts in one batch (its verifier slow, keys cached, as in a room) keeps their cuts and serves in parts too', async () => {
    const [alice, bob, carol] = await Promise.all([generateIdentity(), generateIdentity(), generateIdentity()])
    const keys = new Map<string, Promise<PeerPublicKey>>()
    const slow = (key: Uint8Array): Promise<PeerPublicKey> => {
      const id = Buffer.from(key).toString('hex')
      let found = keys.get(id)
      if (found === undefined) {
        found = importPublicKey(key).then((k) => ({ ...k, verify: async (data: Uint8Array, signature: Uint8Array) => (await new Promise((resolve) => setTimeout(resolve, 2)), k.verify(data, signature)) }))
        keys.set(id, found)
      }
      return found
    }
    const a = replica(alice, { partBytes: PART_BYTES })
    const b = replica(bob, { partBytes: PART_BYTES, verifier: slow })
    await typeInBursts(a, 30)
    for (const part of partsFor(a, b)) await b.content.apply(part.payload, PEER)
    await typeInBursts(a, 500)
    const parts = partsFor(a, b)
    expect(parts.length).toBeGreaterThan(3)
    expect((await Promise.all(parts.map((part) => b.content.apply(part.payload, PEER)))).every((r) => r.ok)).toBe(true)
    expect(text(b)).toBe(text(a))
    // Bob checked them in batches, yet kept a split point at (nearly) every cut of the reply.
    const me = clientIdOf(alice.publicKey)
    expect(b.content.chains.get(me)?.marks.length).toBeGreaterThanOrEqual(parts.length - 2)
    const c = replica(carol, { partBytes: PART_BYTES })
    await typeInBursts(c, 1)
    const served = partsFor(b, c).filter((part) => runsOf(part.payload).every((run) => run.checkpoint === undefined && clientIdOf(run.author) === me))
    expect(served.length).toBeGreaterThan(3)
    for (const part of served) expect(part.payload.byteLength).toBeLessThanOrEqual(PART_BYTES + PART_BYTES / 2)
    expect(b.errors).toEqual([])
  })

  it('a run that carries a checkpoint goes whole when it fits the wire, so the joiner applies all of it at once', async () => {
    const [alice, bob] = await Promise.all([generateIdentity(), generateIdentity()])
    const a = replica(alice, { partBytes: PART_BYTES })
    await typeInBursts(a, 2 * MIN_CHECKPOINT_ENTRIES + 100)
    const checkpoint = a.content.chains.checkpoint(clientIdOf(alice.publicKey))
    expect(checkpoint?.seq).toBeGreaterThanOrEqual(MIN_CHECKPOINT_ENTRIES)
    expect(a.content.own.marks.length).toBeGreaterThan(2)
    const b = replica(bob, { partBytes: PART_BYTES })
    const parts = partsFor(a, b)
    expect(parts).toHaveLength(1)
    const [run] = runsOf((parts[0] as { payload: Uint8Array }).payload) as [Segment]
    expect(run.checkpoint?.seq).toBe(checkpoint?.seq)
    expect(run.entries).toHaveLength(a.content.own.entries.length)
    expect(await b.content.apply((parts[0] as { payload: Uint8Array }).payload, PEER)).toMatchObject({ ok: true })
    expect(b.stats.checkpointsApplied).toBe(1)
    expect(text(b)).toBe(text(a))
  })

  it('a run with a checkpoint over the wire cap is cut after the checkpoint seq, or goes without it when even that is too large', () => {
    const author = new Uint8Array(32).fill(7)
    const signature = (seq: number): Uint8Array => new Uint8Array(64).fill(seq % 256)
    const entries = Array.from({ length: 100 }, () => new Uint8Array(1000))
    const chain = { marks: Array.from({ length: 9 }, (_, i) => ({ seq: 10 * (i + 1), signature: signature(10 * (i + 1)) })) } as unknown as AuthorChain
    const run = (update: number): Segment => ({ author, from: 1, signature: signature(100), entries, checkpoint: { seq: 25, head: new Uint8Array(32), update: new Uint8Array(update), signature: new Uint8Array(64) } })
    // Fits with the checkpoint: whole.
    expect(splitRun(chain, run(1000), 4096)).toHaveLength(1)
    // Over the cap with it: cut, the first piece reaching seq 25 at the next split point (30) and keeping the checkpoint.
    const cut = splitRun(chain, run(LIMITS.updateBytes - 50_000), 4096)
    expect(cut[0]?.from).toBe(1)
    expect(cut[0]?.entries).toHaveLength(30)
    expect(cut[0]?.checkpoint?.seq).toBe(25)
    expect(cut[0]?.signature).toEqual(signature(30))
    expect(cut.slice(1).every((piece) => piece.checkpoint === undefined && piece.from > 30)).toBe(true)
    expect(cut.reduce((sum, piece) => sum + piece.entries.length, 0)).toBe(100)
    // Even the first piece is over the cap with it: the run goes without the checkpoint, cut by the budget.
    const without = splitRun(chain, run(LIMITS.updateBytes - 10_000), 4096)
    expect(without.every((piece) => piece.checkpoint === undefined)).toBe(true)
    expect(without[0]?.entries).toHaveLength(10)
    expect(without.reduce((sum, piece) => sum + piece.entries.length, 0)).toBe(100)
    for (const piece of without) expect(runBytes(piece)).toBeLessThanOrEqual(4096 + 10 * 1004)
  })

  it('a part that continues the run of an earlier part waits for it, even while the earlier one is applied ahead', async () => {
    const [alice, bob] = await Promise.all([generateIdentity(), generateIdentity()])
    const a = replica(alice, { partBytes: PART_BYTES })
    await typeInBursts(a, 2 * MIN_CHECKPOINT_ENTRIES + 100)
    const own = a.content.own
    const checkpoint = a.content.chains.checkpoint(own.clientId) as Checkpoint
    const mark = own.marks.find((m) => m.seq >= checkpoint.seq) ?? { seq: own.entries.length, signature: own.signature }
    expect(mark.seq).toBeLessThan(own.entries.length)
    // What a replier sends when the run is over the wire's cap: the checkpoint's piece, then the rest.
    const bytes = own.entries.map((e) => e.bytes)
    const first = encodeSegments([{ author: own.author, from: 1, signature: mark.signature, entries: bytes.slice(0, mark.seq), checkpoint }])
    const rest = encodeSegments([{ author: own.author, from: mark.seq + 1, signature: own.signature, entries: bytes.slice(mark.seq) }])
    const b = replica(bob, { partBytes: PART_BYTES })
    const results = await Promise.all([b.content.apply(first, PEER), b.content.apply(rest, PEER)])
    expect(results.every((r) => r.ok && r.held !== true)).toBe(true)
    expect(b.content.chains.length(own.clientId)).toBe(own.entries.length)
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
