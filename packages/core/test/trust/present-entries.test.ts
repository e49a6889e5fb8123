/**
 * Entries whose content the document already holds (a checkpoint applied ahead put it there)
 * count as applied without going through Yjs, unless they delete something: applying them
 * would change nothing. Entries with deletions, and entries the document lacks, still apply.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { generateIdentity } from '../../src/crypto/identity-keys.js'
import { AuthorChains, type ChainEntry } from '../../src/trust/author-chains.js'
import { checkEntry } from '../../src/trust/entry-check.js'
import { applyReady } from '../../src/trust/ready-entries.js'
import { replica } from './support/replica.js'

describe('entries the document already holds', () => {
  it('are counted as applied without Yjs; those that delete, or that the document lacks, apply', async () => {
    const alice = await generateIdentity()
    const a = replica(alice)
    const text = a.doc.getText('t')
    for (let i = 0; i < 40; i++) {
      text.insert(text.length, 'ab')
      if (i % 10 === 9) text.delete(0, 1)
      await a.content.settled()
    }
    const own = a.content.own
    const deleting = own.entries.filter((e) => e.deletes === true).length
    expect(deleting).toBe(0) // local entries do not record it (so they never count as present); a receiver's checks do
    const run = (holds: boolean) => {
      const chains = new AuthorChains('refs')
      const chain = chains.open(alice.publicKey)
      // Entries as a receiver checks them (checkEntry records whether each deletes).
      let end = 0
      const checked: ChainEntry[] = own.entries.map((e) => {
        const entry = checkEntry(own.clientId, own.peerId, end, e.bytes, e.head)
        end = entry.end
        return entry
      })
      chains.append(chain, checked, own.head, own.signature)
      const doc = new Y.Doc()
      if (holds) Y.applyUpdate(doc, Y.encodeStateAsUpdate(a.doc))
      const admitted: ChainEntry[] = []
      applyReady({
        chains,
        report: (error) => {
          throw error
        },
        apply: (entries, admit) =>
          Y.transact(doc, () => {
            for (const entry of entries) {
              if (!admit(entry)) continue
              admitted.push(entry)
              Y.applyUpdate(doc, entry.update)
            }
          }),
        present: (clientId, entry) => entry.deletes === false && Y.getState(doc.store, clientId) >= entry.end,
      })
      expect(chain.applied).toBe(own.entries.length)
      expect(doc.getText('t').toString()).toBe(text.toString())
      return { admitted, checked }
    }
    const held = run(true)
    expect(held.checked.filter((e) => e.deletes === true)).toHaveLength(4)
    expect(held.admitted.every((e) => e.deletes === true)).toBe(true)
    expect(held.admitted).toHaveLength(4)
    const lacking = run(false)
    expect(lacking.admitted).toHaveLength(own.entries.length)
  })
})
