/**
 * Presence in a room with a secret, with honest peers: the local state is signed on every
 * change and renewal and sent along the push trees; valid remote entries are applied to the
 * real y-protocols Awareness and forwarded exactly as received; duplicates and stale clocks
 * change nothing; a new neighbour is greeted with every signed state; expiry stays local;
 * leaving sends a removal signed in advance. The hostile cases are in presence-forged.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { OUTDATED_MS, RENEW_MS } from '../../src/layers/presence.js'
import { importPublicKey } from '../../src/crypto/identity-keys.js'
import { verifyAwarenessEntry } from '../../src/trust/presence-signatures.js'
import { until } from '../support/layer-harness.js'
import { entryOf, remotePeer, signedFrame, signedPresence, signedSent, statesOf, type SignedSetup } from '../support/signed-presence.js'

const setups: SignedSetup[] = []

async function setup(init: Parameters<typeof signedPresence>[0] = {}): Promise<SignedSetup> {
  const s = await signedPresence(init)
  setups.push(s)
  return s
}

afterEach(() => {
  for (const s of setups.splice(0)) {
    s.presence.destroy()
    s.awareness.destroy()
  }
})

/** Brings neighbours up and waits until our first signed entry reached them. */
async function withNeighbours(s: SignedSetup, ...peers: string[]): Promise<void> {
  for (const peer of peers) s.presence.up(peer, true)
  await until(() => signedSent(s.ctx).some((f) => f.frame.entries.some((e) => e.clientID === s.trust.clientId)))
  s.ctx.take()
}

describe('the local state', () => {
  it('is signed by our key for our clientID and sent to the neighbours', async () => {
    const s = await setup()
    s.presence.up('a', true)
    await until(() => signedSent(s.ctx).length > 0)
    const [sent] = signedSent(s.ctx)
    const entry = sent?.frame.entries[0]
    expect(sent?.peer).toBe('a')
    expect(entry?.clientID).toBe(s.trust.clientId)
    expect(statesOf(sent!.frame)).toEqual(new Map([[s.trust.clientId, { name: 'me' }]]))
    expect(await verifyAwarenessEntry(await importPublicKey(s.trust.peerId), 'r', entry!)).toBe(true)
    expect(entry?.clock).toBe(s.awareness.meta.get(s.trust.clientId)?.clock)
  })

  it('is re-signed on a change, at the next clock, and skips neighbours that pruned our client', async () => {
    const s = await setup()
    await withNeighbours(s, 'a', 'b')
    const clock = s.awareness.meta.get(s.trust.clientId)!.clock
    s.tree.pruned.add(`b:${s.trust.clientId}`)
    s.awareness.setLocalStateField('cursor', 3)
    await until(() => signedSent(s.ctx).length > 0)
    const sent = signedSent(s.ctx)
    expect(sent.map((f) => f.peer)).toEqual(['a'])
    expect(sent[0]?.frame.entries[0]?.clock).toBe(clock + 1)
    expect(statesOf(sent[0]!.frame).get(s.trust.clientId)).toEqual({ name: 'me', cursor: 3 })
  })

  it('coalesces a burst of changes: the newest state is sent, not every one', async () => {
    const s = await setup()
    await withNeighbours(s, 'a')
    for (let i = 0; i < 20; i++) s.awareness.setLocalStateField('cursor', i)
    await until(() => signedSent(s.ctx).some((f) => (statesOf(f.frame).get(s.trust.clientId) as { cursor?: number }).cursor === 19))
    expect(signedSent(s.ctx).length).toBeLessThanOrEqual(2)
  })

  it(`is renewed after ${RENEW_MS} ms of the room's clock`, async () => {
    const s = await setup()
    await withNeighbours(s, 'a')
    const clock = s.awareness.meta.get(s.trust.clientId)!.clock
    await s.ctx.clock.advance(RENEW_MS)
    await until(() => signedSent(s.ctx).length > 0)
    expect(signedSent(s.ctx)[0]?.frame.entries[0]?.clock).toBe(clock + 1)
  })

  it('starts its clock at the wall-clock milliseconds, above anything signed before a restart', async () => {
    const s = await setup({ before: (ctx) => ctx.clock.advance(5_000_000) })
    await withNeighbours(s, 'a')
    expect(s.awareness.meta.get(s.trust.clientId)!.clock).toBeGreaterThanOrEqual(5_000_000)
  })

  it('leave() sends at once a removal signed in advance, and nothing is signed after it', async () => {
    const s = await setup()
    await withNeighbours(s, 'a')
    const clock = s.awareness.meta.get(s.trust.clientId)!.clock
    s.presence.leave()
    const sent = signedSent(s.ctx)
    expect(sent.map((f) => [f.peer, [...statesOf(f.frame)]])).toEqual([['a', [[s.trust.clientId, null]]]])
    const removal = sent[0]!.frame.entries[0]!
    expect(removal.clock).toBe(clock + 1)
    expect(await verifyAwarenessEntry(await importPublicKey(s.trust.peerId), 'r', removal)).toBe(true)
    s.ctx.take()
    await s.ctx.clock.advance(2 * RENEW_MS)
    expect(signedSent(s.ctx)).toEqual([])
  })
})

describe('remote entries', () => {
  it('a valid new one is applied, forwarded as received to the other neighbours, and counts as a first copy', async () => {
    const s = await setup()
    await withNeighbours(s, 'a', 'b', 'c')
    const bob = await remotePeer()
    const entry = await entryOf(bob, 4, { name: 'bob' })
    s.presence.onSignedAwareness('a', signedFrame(entry))
    await until(() => s.tree.firsts.length > 0)
    expect(s.awareness.getStates().get(bob.clientId)).toEqual({ name: 'bob' })
    expect(s.ctx.batches.map((b) => b.peers)).toEqual([['b', 'c']])
    expect(signedSent(s.ctx)[0]?.frame.entries[0]).toBe(entry)
    expect(s.tree.firsts).toEqual([['a', bob.clientId]])
    expect(s.ctx.errors).toEqual([])
  })

  it('a signed state proves connectivity only while the link it came through is up', async () => {
    const s = await setup()
    for (const peer of ['a', 'b']) s.presence.up(peer, true)
    const bob = await remotePeer()
    s.presence.onSignedAwareness('a', signedFrame(await entryOf(bob, 4, { name: 'bob' })))
    await until(() => s.tree.firsts.length > 0)
    expect(s.presence.seesEveryone(2)).toBe(true)
    // a's link went down: bob's state stays until it expires, but may be the far side of a partition.
    s.presence.down('a')
    expect(s.awareness.getStates().has(bob.clientId)).toBe(true)
    expect(s.presence.seesEveryone(2)).toBe(false)
    // A newer state through b, a link we hold, counts again.
    s.presence.onSignedAwareness('b', signedFrame(await entryOf(bob, 5, { name: 'bob' })))
    await until(() => s.tree.firsts.length > 1)
    expect(s.presence.seesEveryone(2)).toBe(true)
  })

  it('the same entry again, or an older one, changes nothing and counts as a duplicate', async () => {
    const s = await setup()
    await withNeighbours(s, 'a', 'b')
    const bob = await remotePeer()
    const old = await entryOf(bob, 4, { name: 'old' })
    const current = await entryOf(bob, 5, { name: 'bob' })
    s.presence.onSignedAwareness('a', signedFrame(current))
    await until(() => s.tree.firsts.length === 1)
    s.ctx.take()
    s.presence.onSignedAwareness('b', signedFrame(current))
    s.presence.onSignedAwareness('b', signedFrame(old))
    await until(() => s.tree.duplicates.length === 2)
    expect(s.tree.duplicates).toEqual([['b', bob.clientId], ['b', bob.clientId]])
    expect(s.awareness.getStates().get(bob.clientId)).toEqual({ name: 'bob' })
    expect(s.ctx.take()).toEqual([])
    expect(s.ctx.errors).toEqual([])
  })

  it('a newer clock wins, whatever order the checks finish in', async () => {
    const s = await setup()
    await withNeighbours(s, 'a', 'b')
    const bob = await remotePeer()
    const entries = await Promise.all([1, 2, 3].map((clock) => entryOf(bob, clock, { clock })))
    s.presence.onSignedAwareness('a', signedFrame(entries[2]!))
    s.presence.onSignedAwareness('b', signedFrame(entries[0]!))
    s.presence.onSignedAwareness('b', signedFrame(entries[1]!))
    await until(() => s.tree.firsts.length + s.tree.duplicates.length === 3)
    expect(s.awareness.getStates().get(bob.clientId)).toEqual({ clock: 3 })
    expect(s.awareness.meta.get(bob.clientId)?.clock).toBe(3)
  })

  it('a frame of several clients is applied at once and forwarded to every other neighbour, without the trees', async () => {
    const s = await setup()
    await withNeighbours(s, 'a', 'b', 'c')
    const [bob, carol] = await Promise.all([remotePeer(), remotePeer()])
    s.tree.pruned.add(`b:${bob.clientId}`)
    const frame = signedFrame(await entryOf(bob, 1, { n: 'bob' }), await entryOf(carol, 1, { n: 'carol' }))
    const changes: unknown[] = []
    s.awareness.on('change', (change: unknown) => changes.push(change))
    s.presence.onSignedAwareness('a', frame)
    await until(() => s.ctx.batches.length > 0)
    expect(s.ctx.batches.map((b) => b.peers)).toEqual([['b', 'c']])
    expect(signedSent(s.ctx)[0]?.frame.entries).toEqual(frame.entries)
    expect(changes).toEqual([{ added: [bob.clientId, carol.clientId], updated: [], removed: [] }])
    expect([s.tree.firsts, s.tree.duplicates]).toEqual([[], []])
  })

  it("the owner's signed removal removes the state and is forwarded", async () => {
    const s = await setup()
    await withNeighbours(s, 'a', 'b')
    const bob = await remotePeer()
    s.presence.onSignedAwareness('a', signedFrame(await entryOf(bob, 1, { name: 'bob' })))
    await until(() => s.awareness.getStates().has(bob.clientId))
    s.ctx.take()
    s.presence.onSignedAwareness('a', signedFrame(await entryOf(bob, 2, null)))
    await until(() => !s.awareness.getStates().has(bob.clientId))
    await until(() => signedSent(s.ctx).length > 0)
    expect(signedSent(s.ctx).map((f) => [f.peer, [...statesOf(f.frame)]])).toEqual([['b', [[bob.clientId, null]]]])
  })
})

describe('greetings and expiry', () => {
  it('a new neighbour gets our signed state and every signed state we show, as received; a transient link gets nothing', async () => {
    const s = await setup()
    await withNeighbours(s, 'a')
    const bob = await remotePeer()
    const entry = await entryOf(bob, 7, { name: 'bob' })
    s.presence.onSignedAwareness('a', signedFrame(entry))
    await until(() => s.awareness.getStates().has(bob.clientId))
    s.ctx.take()
    s.presence.up('n', true)
    s.presence.up('t', false)
    const sent = signedSent(s.ctx)
    expect(sent.map((f) => f.peer)).toEqual(['n'])
    expect(sent[0]?.frame.entries.map((e) => e.clientID)).toEqual([s.trust.clientId, bob.clientId])
    expect(sent[0]?.frame.entries[1]).toBe(entry)
  })

  it(`a state not renewed for ${OUTDATED_MS} ms is dropped here only: no removal is forwarded, and a replay does not bring it back`, async () => {
    const s = await setup()
    await withNeighbours(s, 'a', 'b')
    const bob = await remotePeer()
    const entry = await entryOf(bob, 1, { name: 'bob' })
    s.presence.onSignedAwareness('a', signedFrame(entry))
    await until(() => s.awareness.getStates().has(bob.clientId))
    await s.ctx.clock.advance(OUTDATED_MS)
    expect(s.awareness.getStates().has(bob.clientId)).toBe(false)
    expect(signedSent(s.ctx).filter((f) => f.frame.entries.some((e) => e.clientID === bob.clientId && e.state === null))).toEqual([])
    s.ctx.take()
    s.presence.up('n', true)
    expect(signedSent(s.ctx).flatMap((f) => f.frame.entries.map((e) => e.clientID))).toEqual([s.trust.clientId])
    s.presence.onSignedAwareness('b', signedFrame(entry))
    await until(() => s.tree.duplicates.length === 1)
    expect(s.awareness.getStates().has(bob.clientId)).toBe(false)
  })
})

describe('presence off in a room with a secret', () => {
  it('signs and sends nothing and consults no tree, but valid states still apply', async () => {
    const s = await setup({ enabled: false })
    s.presence.up('a', true)
    s.awareness.setLocalStateField('cursor', 1)
    const bob = await remotePeer()
    s.presence.onSignedAwareness('a', signedFrame(await entryOf(bob, 1, { name: 'bob' })))
    await until(() => s.awareness.getStates().has(bob.clientId))
    expect(s.ctx.take()).toEqual([])
    expect([s.tree.firsts, s.tree.duplicates]).toEqual([[], []])
  })
})
