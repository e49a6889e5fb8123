/**
 * Push trees on the simulator: after an origin's first delta floods, its later deltas reach
 * every peer once (Plumtree pruning, one tree per origin); several authors keep separate
 * trees; a tree heals when a peer inside it crashes; presence rides the same trees.
 *
 * Rooms here show presence (a name each), as apps do: seeing every peer's presence proves
 * the overlay connected, so nobody rewires it and the trees stay put. Without presence,
 * peers rewire now and then to merge components, and each rewire costs a few duplicates.
 */
import { describe, expect, it } from 'vitest'
import { Simulation, type SimPeer } from '../src/index.js'

const N = 30
const ROUND_MS = 200
/**
 * Copies per peer and delta allowed once trees settle. Flooding over ~6 links each costs ~5.
 * Anti-entropy runs every round in a busy room and now and then races a push: the content
 * then arrives twice (once by sync, once pushed), and the repair is offered to neighbours.
 */
const SETTLED_COPIES = 1.25

/** A settled room of `peers` peers: presence on, every peer named, ten rounds to form. */
async function namedRoom(peers: number, seed: number): Promise<Simulation> {
  const sim = await Simulation.create({ peers, seed, room: { roundMs: ROUND_MS, presence: true } })
  for (const peer of sim.peers) peer.room.awareness.setLocalStateField('user', { name: peer.peerId })
  await sim.run(10 * ROUND_MS)
  return sim
}

/** Sum of a stat over the given peers. */
function total(peers: readonly SimPeer[], key: 'deltasReceived' | 'duplicateDeltas' | 'prunesSent' | 'graftsSent'): number {
  return peers.reduce((sum, p) => sum + p.room.stats()[key], 0)
}

/** Edits `count` times on `author`, each once the previous one reached everyone. */
async function editsInTurn(sim: Simulation, authors: readonly SimPeer[], count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const author = authors[i % authors.length] as SimPeer
    author.doc.getText('t').insert(0, String.fromCharCode(97 + (i % 26)))
    expect(await sim.runUntil(() => sim.converged(), 10 * ROUND_MS), `edit ${i} converged`).toBe(true)
  }
}

describe('push trees', () => {
  it('prunes redundant paths: after the first flood, an origin reaches each peer about once per delta', async () => {
    const sim = await namedRoom(N, 21)
    const author = sim.peers[0] as SimPeer
    await editsInTurn(sim, [author], 3) // the first flood prunes; two more settle races
    const before = total(sim.peers, 'deltasReceived')
    const dupsBefore = total(sim.peers, 'duplicateDeltas')
    await editsInTurn(sim, [author], 10)
    const copies = total(sim.peers, 'deltasReceived') - before
    expect(copies).toBeGreaterThanOrEqual(10 * (N - 1) - 2) // (a race may deliver one by sync)
    expect(copies).toBeLessThanOrEqual(SETTLED_COPIES * 10 * (N - 1))
    expect(total(sim.peers, 'duplicateDeltas') - dupsBefore).toBeLessThanOrEqual((SETTLED_COPIES - 1) * 10 * (N - 1))
    expect(total(sim.peers, 'prunesSent')).toBeGreaterThan(0)
    await sim.close()
  })

  it('keeps one tree per author: several authors in turn all settle to about one copy per peer', async () => {
    const sim = await namedRoom(N, 5)
    const authors = [0, 7, 13, 22].map((i) => sim.peers[i] as SimPeer)
    await editsInTurn(sim, authors, 3 * authors.length)
    const before = total(sim.peers, 'deltasReceived')
    await editsInTurn(sim, authors, 4 * authors.length)
    expect(total(sim.peers, 'deltasReceived') - before).toBeLessThanOrEqual(SETTLED_COPIES * 4 * authors.length * (N - 1))
    await sim.close()
  })

  it('heals: when a peer inside a tree crashes, later deltas still reach everyone by push', async () => {
    const sim = await namedRoom(N, 8)
    const author = sim.peers[0] as SimPeer
    await editsInTurn(sim, [author], 5)
    // Crash a neighbour of the author: it forwards the author's deltas to its own subtree.
    const victim = sim.peers.find((p) => author.room.neighbours().includes(p.peerId)) as SimPeer
    await sim.crash(victim.index)
    const alive = sim.alive()
    const graftsBefore = total(alive, 'graftsSent')
    // Until the crash is noticed, anti-entropy repairs; after it, grafts restore push paths.
    for (let i = 0; i < 20; i++) {
      author.doc.getText('t').insert(0, 'x')
      expect(await sim.runUntil(() => sim.converged(), 40 * ROUND_MS), `edit ${i} converged`).toBe(true)
    }
    expect(total(alive, 'graftsSent')).toBeGreaterThan(graftsBefore)
    // Settled again: about one pushed copy per live peer and delta.
    const before = total(alive, 'deltasReceived')
    await editsInTurn(sim, [author], 5)
    expect(total(alive, 'deltasReceived') - before).toBeLessThanOrEqual(SETTLED_COPIES * 5 * (alive.length - 1))
    await sim.close()
  })

  it('presence follows the same trees: an author whose tree formed sees few duplicates of its presence', async () => {
    const sim = await Simulation.create({ peers: 20, seed: 3, room: { roundMs: ROUND_MS, presence: true } })
    await sim.run(10 * ROUND_MS)
    const [author, other] = [sim.peers[0], sim.peers[10]] as [SimPeer, SimPeer]
    await editsInTurn(sim, [author], 4) // the author's tree forms; `other` never wrote
    /**
     * Prunes sent while `peer`'s presence change reaches everyone (and a round after): each
     * is a duplicate copy some peer received, so they count the redundancy of the change.
     */
    const duplicatesOf = async (peer: SimPeer): Promise<number> => {
      const sees = (): boolean =>
        sim.peers.every((p) => (p.room.awareness.getStates().get(peer.doc.clientID) as { n?: number } | undefined)?.n === 1)
      const before = total(sim.peers, 'prunesSent')
      peer.room.awareness.setLocalStateField('n', 1)
      expect(await sim.runUntil(sees, 10 * ROUND_MS)).toBe(true)
      await sim.run(ROUND_MS)
      return total(sim.peers, 'prunesSent') - before
    }
    const other0 = await duplicatesOf(other) // no tree yet: the change floods and prunes
    const author0 = await duplicatesOf(author)
    expect(other0).toBeGreaterThan(sim.peers.length)
    expect(author0).toBeLessThan(other0 / 4)
    await sim.close()
  })
})
