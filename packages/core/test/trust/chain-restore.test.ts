/**
 * Chains read back from storage are checked like chains from peers: stitched from runs,
 * cut at gaps, conflicts, signatures that do not verify and entries that break the
 * authorship rules, and marked applied as far as the document holds them.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { generateIdentity, importPublicKey, type IdentityKeyPair } from '../../src/index.js'
import { AuthorChains } from '../../src/trust/author-chains.js'
import { chainNext, chainStart, signedMessage } from '../../src/trust/chain.js'
import { markApplied, restoreChains, type RestoredRun } from '../../src/trust/chain-restore.js'
import { clientIdOf } from '../../src/trust/client-id.js'
import { encodeEntry } from '../../src/trust/entry.js'

const ROOM = 'restore'

interface Authored {
  identity: IdentityKeyPair
  entries: Uint8Array[]
  updates: Uint8Array[]
  /** Signature of the head after entry i + 1. */
  signatures: Uint8Array[]
}

/** `count` entries typed by a fresh identity (one insert each), each signed. */
async function author(count: number, tamper?: (i: number, update: Uint8Array) => Uint8Array): Promise<Authored> {
  const identity = await generateIdentity({ extractable: true })
  const doc = new Y.Doc()
  doc.clientID = clientIdOf(identity.publicKey)
  const updates: Uint8Array[] = []
  doc.on('update', (update: Uint8Array) => updates.push(update))
  for (let i = 0; i < count; i++) doc.getText('t').insert(i, String.fromCharCode(97 + i))
  const entries = updates.map((update, i) => encodeEntry({ deps: [], update: tamper?.(i, update) ?? update }))
  let head = chainStart(ROOM, identity.publicKey)
  const signatures: Uint8Array[] = []
  for (const [i, entry] of entries.entries()) {
    head = chainNext(head, i + 1, entry)
    signatures.push(await identity.sign(signedMessage(head)))
  }
  return { identity, entries, updates, signatures }
}

const run = (a: Authored, from: number, to: number, signature = a.signatures[to - 1] as Uint8Array): RestoredRun => ({
  author: a.identity.publicKey,
  from,
  entries: a.entries.slice(from - 1, to),
  signature,
})

async function restore(runs: RestoredRun[], mayWrite = (): boolean => true) {
  const chains = new AuthorChains(ROOM)
  const result = await restoreChains({ chains, mayWrite, verifier: (key) => importPublicKey(key) }, runs)
  return { chains, result }
}

describe('restoreChains', () => {
  it('stitches runs (in any order, overlapping) into one chain under its last signature', async () => {
    const a = await author(5)
    const { chains, result } = await restore([run(a, 3, 5), run(a, 1, 2), run(a, 2, 4)])
    const chain = chains.get(clientIdOf(a.identity.publicKey))
    expect(chain?.entries.length).toBe(5)
    expect(chain?.signature).toEqual(a.signatures[4])
    expect(chain?.head).toEqual(chains.headAt(chain!, 5))
    expect(result.problems).toEqual([])
  })

  it('stops at a gap', async () => {
    const a = await author(5)
    const { chains, result } = await restore([run(a, 1, 2), run(a, 4, 5)])
    expect(chains.length(clientIdOf(a.identity.publicKey))).toBe(2)
    expect(result.problems.map((p) => p.reason)).toEqual([expect.stringContaining('stop at 2')])
  })

  it('falls back to the last signature that verifies', async () => {
    const a = await author(5)
    const { chains, result } = await restore([run(a, 1, 2), run(a, 3, 5, a.signatures[1])])
    expect(chains.length(clientIdOf(a.identity.publicKey))).toBe(2)
    expect(result.problems.map((p) => p.reason)).toEqual([expect.stringContaining('does not verify')])
  })

  it('keeps the first of two runs that differ', async () => {
    const a = await author(3)
    const b = await author(3)
    const forged: RestoredRun = { ...run(a, 2, 3), entries: [b.entries[1] as Uint8Array, b.entries[2] as Uint8Array] }
    const { chains, result } = await restore([run(a, 1, 3), forged])
    expect(chains.length(clientIdOf(a.identity.publicKey))).toBe(3)
    expect(result.problems).toHaveLength(1)
  })

  it('cuts a signed chain before an entry that breaks the authorship rules', async () => {
    const other = new Y.Doc()
    other.clientID = 7
    other.getText('t').insert(0, 'not yours')
    const foreign = Y.encodeStateAsUpdate(other)
    const a = await author(4, (i, update) => (i === 2 ? foreign : update))
    const { chains, result } = await restore([run(a, 1, 2), run(a, 3, 4)])
    expect(chains.length(clientIdOf(a.identity.publicKey))).toBe(2)
    expect(result.problems.map((p) => p.reason)).toEqual([expect.stringContaining('authorship')])
  })

  it('leaves out the chains of authors that may not write', async () => {
    const a = await author(2)
    const { chains, result } = await restore([run(a, 1, 2)], () => false)
    expect(chains.length(clientIdOf(a.identity.publicKey))).toBe(0)
    expect(result.problems).toHaveLength(1)
  })

  it('marks applied as far as the document holds the entries', async () => {
    const a = await author(5)
    const { chains, result } = await restore([run(a, 1, 5)])
    const doc = new Y.Doc()
    for (const update of a.updates.slice(0, 3)) Y.applyUpdate(doc, update)
    markApplied(result.chains, doc)
    expect(chains.get(clientIdOf(a.identity.publicKey))?.applied).toBe(3)
  })
})
