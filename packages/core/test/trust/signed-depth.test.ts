/**
 * The room's nesting `depth` limit holds for signed content too: an entry (or a checkpoint)
 * that would nest shared types deeper than the limit never enters the document; the author's
 * chain stops at that entry, at every peer alike, and entries that build on it wait for good.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { generateIdentity } from '../../src/crypto/identity-keys.js'
import { clientIdOf } from '../../src/trust/client-id.js'
import { replica } from './support/replica.js'

const DEPTH = 8

type Replica = ReturnType<typeof replica>

/** Nests `levels` maps under the root map `m` of `r`, one edit per level; returns the innermost. */
function nest(r: Replica, levels: number): Y.Map<unknown> {
  let map = r.doc.getMap('m')
  for (let i = 0; i < levels; i++) {
    const inner = new Y.Map<unknown>()
    map.set('next', inner)
    map = inner
  }
  return map
}

/** How deep the maps under the root map `m` of `doc` go (the root is 1). */
function depthOf(doc: Y.Doc): number {
  let depth = 1
  for (let map = doc.getMap('m').get('next'); map instanceof Y.Map; map = map.get('next')) depth++
  return depth
}

const causes = (r: Replica): string[] => r.errors.map((e) => `${e.name}/${(e.cause as Error | undefined)?.name ?? ''}`)

describe('the depth limit on signed content', () => {
  it('an entry that nests too deep is refused and stops its chain; the entries before it apply', async () => {
    const [alice, bob] = await Promise.all([generateIdentity(), generateIdentity()])
    const a = replica(alice, { depth: 1000 })
    const b = replica(bob, { depth: DEPTH })
    nest(a, 20)
    a.doc.getText('t').insert(0, 'after')
    await a.content.settled()
    await b.content.apply(a.content.diff(b.content.state()), alice.peerId)
    // Root map (1) + 6 nested maps, a map at depth 7 holds the 7th: its type sits at depth 8.
    expect(depthOf(b.doc)).toBeLessThanOrEqual(DEPTH)
    expect(depthOf(b.doc)).toBeGreaterThan(1)
    expect(causes(b)).toEqual(['AuthorshipError/LimitExceededError'])
    // Everything after the refused entry waits: the later text never arrives.
    expect(b.doc.getText('t').toString()).toBe('')
    const chain = b.content.chains.get(clientIdOf(alice.publicKey))
    expect(chain?.broken).toBe(true)
    expect(chain?.applied).toBe(depthOf(b.doc) - 1)
  })

  it('one entry that nests too deep in one transaction is refused whole', async () => {
    const [alice, bob] = await Promise.all([generateIdentity(), generateIdentity()])
    const a = replica(alice, { depth: 1000 })
    const b = replica(bob, { depth: DEPTH })
    a.doc.transact(() => nest(a, 20))
    await a.content.settled()
    await b.content.apply(a.content.diff(b.content.state()), alice.peerId)
    expect(b.doc.getMap('m').size).toBe(0)
    expect(causes(b)).toEqual(['AuthorshipError/LimitExceededError'])
  })

  it('entries of another author that build on a refused entry wait; its other entries apply', async () => {
    const [alice, bob, carol] = await Promise.all([generateIdentity(), generateIdentity(), generateIdentity()])
    const a = replica(alice, { depth: 1000 })
    const b = replica(bob, { depth: 1000 })
    const c = replica(carol, { depth: DEPTH })
    const inner = nest(a, 10)
    await a.content.settled()
    await b.content.apply(a.content.diff(b.content.state()), alice.peerId)
    b.doc.getText('t').insert(0, 'independent')
    // Bob writes into Alice's innermost map: his entry depends on her deepest one.
    let bobInner = b.doc.getMap('m')
    for (let i = 0; i < 10; i++) bobInner = bobInner.get('next') as Y.Map<unknown>
    bobInner.set('bob', 'here')
    await b.content.settled()
    expect(inner.size).toBe(0)
    await c.content.apply(b.content.diff(c.content.state()), bob.peerId)
    expect(c.doc.getText('t').toString()).toBe('independent')
    expect(depthOf(c.doc)).toBeLessThanOrEqual(DEPTH)
    expect(c.content.chains.get(clientIdOf(bob.publicKey))?.broken).toBe(false)
    expect(c.content.chains.get(clientIdOf(bob.publicKey))?.applied).toBe(1)
  })

  it('a checkpoint that nests too deep is not applied ahead; the entries stop at the deep one', async () => {
    const [alice, bob] = await Promise.all([generateIdentity(), generateIdentity()])
    const a = replica(alice, { depth: 1000 })
    const b = replica(bob, { depth: DEPTH })
    const text = a.doc.getText('t')
    for (let i = 0; i < 200; i++) text.insert(text.length, 'x')
    nest(a, 20)
    await a.content.settled()
    expect(a.content.chains.checkpoint(clientIdOf(alice.publicKey))?.seq).toBe(220)
    await b.content.apply(a.content.diff(b.content.state()), alice.peerId)
    expect(b.stats.checkpointsApplied).toBe(0)
    expect(b.doc.getText('t').length).toBe(200)
    expect(depthOf(b.doc)).toBeLessThanOrEqual(DEPTH)
    // The checkpoint, then the entry that nests too deep.
    expect(causes(b)).toEqual(['AuthorshipError/LimitExceededError', 'AuthorshipError/LimitExceededError'])
  })
})
