/**
 * Merging our own signed payloads published in a row (trust/coalesce.ts): consecutive entries
 * become one run under the last one's signature, which a receiver checks and applies like the
 * entries one by one; announcements and other payloads keep their place.
 */
import { describe, expect, it } from 'vitest'
import { generateIdentity } from '../../src/crypto/identity-keys.js'
import type { PeerId } from '../../src/transport.js'
import { MIN_CHECKPOINT_ENTRIES } from '../../src/trust/checkpoint.js'
import { coalesceOwn } from '../../src/trust/coalesce.js'
import { decodePayload } from '../../src/trust/signed-payload.js'
import { replica } from './support/replica.js'

const PEER = 'author' as PeerId

describe('coalescing our signed payloads', () => {
  it('consecutive entries merge into one run the receiver takes; announcements keep their place', async () => {
    const [alice, bob, carol] = await Promise.all([generateIdentity(), generateIdentity(), generateIdentity()])
    const a = replica(alice)
    const text = a.doc.getText('t')
    // Single edits, one burst of three, then enough for a checkpoint announcement in between.
    for (let i = 0; i < MIN_CHECKPOINT_ENTRIES + 20; i++) {
      text.insert(text.length, 'x')
      if (i === 5) text.insert(0, 'yz')
      await a.content.settled()
    }
    const kinds = a.pushed.map((p) => decodePayload(p).kind)
    expect(kinds).toContain('update')
    expect(kinds).toContain('segments')
    expect(kinds.filter((k) => k === 'announcement')).toHaveLength(1)

    const merged = coalesceOwn(a.pushed, alice.publicKey, 1 << 20)
    expect(merged.map((p) => decodePayload(p).kind)).toEqual(['segments', 'announcement', 'segments'])
    const b = replica(bob)
    for (const payload of merged) expect(await b.content.apply(payload, PEER)).toMatchObject({ ok: true })
    expect(b.doc.getText('t').toString()).toBe(text.toString())
    expect(b.content.digest()).toBe(a.content.digest())
    expect(b.errors).toEqual([])

    // Another author's payload is not ours to merge: it keeps its place and ends the run.
    const c = replica(carol)
    c.doc.getText('t').insert(0, 'c')
    await c.content.settled()
    const mixed = coalesceOwn([a.pushed[0] as Uint8Array, c.pushed[0] as Uint8Array, a.pushed[1] as Uint8Array], alice.publicKey, 1 << 20)
    expect(mixed).toHaveLength(3)
    // A gap in the seqs ends a run too.
    expect(coalesceOwn([a.pushed[0] as Uint8Array, a.pushed[2] as Uint8Array], alice.publicKey, 1 << 20)).toHaveLength(2)
    // One payload alone comes back as it was.
    expect(coalesceOwn([a.pushed[0] as Uint8Array], alice.publicKey, 1 << 20)).toEqual([a.pushed[0]])
    // Runs stop at about maxBytes of entries: with a tiny one, nothing merges.
    const singles = a.pushed.filter((p) => decodePayload(p).kind === 'update')
    expect(coalesceOwn(singles.slice(0, 5), alice.publicKey, 1)).toHaveLength(5)
  })
})
