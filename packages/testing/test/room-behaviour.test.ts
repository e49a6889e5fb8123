/**
 * Behaviour of the gossip engine at scale, on the deterministic simulator. Every test is
 * seeded; assertions are on behaviour and counts, never on wall time.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Simulation, docDigest, type SimPeer } from '../src/index.js'

function connected(peers: readonly SimPeer[]): boolean {
  const alive = new Map(peers.filter((p) => p.alive).map((p) => [p.peerId, p]))
  const first = alive.values().next().value
  if (first === undefined) return true
  const seen = new Set([first.peerId])
  const queue = [first]
  while (queue.length > 0) {
    const peer = queue.pop() as SimPeer
    for (const id of peer.room.neighbours()) {
      if (!seen.has(id) && alive.has(id)) {
        seen.add(id)
        queue.push(alive.get(id) as SimPeer)
      }
    }
  }
  return seen.size === alive.size
}

describe('membership', () => {
  it('never exceeds maxNeighbours, keeps a passive list larger than the active view, and forms a connected overlay', async () => {
    const sim = await Simulation.create({ peers: 60, seed: 11, room: { maxNeighbours: 4, roundMs: 200 } })
    let worst = 0
    // Observe after every timer for 20 rounds.
    await sim.runUntil(() => {
      for (const p of sim.peers) worst = Math.max(worst, p.room.neighbours().length)
      return false
    }, 20 * 200)
    expect(worst).toBeLessThanOrEqual(4)
    expect(worst).toBeGreaterThan(0)
    const passive = sim.peers.map((p) => p.room.knownPeers().length)
    expect(passive.reduce((a, b) => a + b, 0) / passive.length).toBeGreaterThan(4)
    expect(connected(sim.peers)).toBe(true)
    await sim.close()
  })

  it('replaces lost neighbours from the passive list after silent crashes', async () => {
    const sim = await Simulation.create({ peers: 40, seed: 5, room: { roundMs: 200 } })
    await sim.run(10 * 200)
    const victims = [...(sim.peers[0]?.room.neighbours() ?? [])].map((id) => sim.peers.findIndex((p) => p.peerId === id))
    expect(victims.length).toBeGreaterThan(0)
    for (const v of victims) await sim.crash(v)
    const min = 3
    const live = new Set(sim.alive().map((p) => p.peerId))
    const liveNeighbours = (p: SimPeer): string[] => p.room.neighbours().filter((id) => live.has(id))
    // Repaired: every survivor has dropped its dead links and holds enough live ones.
    const repaired = await sim.runUntil(
      () => sim.alive().every((p) => liveNeighbours(p).length >= min && liveNeighbours(p).length === p.room.neighbours().length) && connected(sim.peers),
      30 * 200,
    )
    expect(repaired).toBe(true)
    const first = sim.peers[0] as SimPeer
    expect(first.room.neighbours().some((id) => victims.includes(sim.peers.findIndex((p) => p.peerId === id)))).toBe(false)
    first.doc.getText('t').insert(0, 'after repair')
    expect(await sim.runUntil(() => sim.converged(), 20 * 200)).toBe(true)
    await sim.close()
  })
})

describe('dissemination', () => {
  it('pushes a fresh delta at once, without waiting for a round', async () => {
    const roundMs = 3_600_000 // an hour: no round fires during the test
    const sim = await Simulation.create({ peers: 30, seed: 7, room: { roundMs } })
    await sim.runUntil(() => connected(sim.peers), 5_000)
    const origin = sim.peers[0] as SimPeer
    origin.doc.getText('t').insert(0, 'pushed')
    // 30 peers, ≤ 75 ms per hop: well under two seconds of virtual time, far from a round.
    const ok = await sim.runUntil(() => sim.peers.every((p) => p.doc.getText('t').toString() === 'pushed'), 2_000)
    expect(ok).toBe(true)
    const rounds = sim.peers.reduce((sum, p) => sum + p.room.stats().antiEntropyRounds, 0)
    // Only the handshake's opening exchange ran, never a periodic round.
    expect(rounds).toBeLessThanOrEqual(sim.peers.length * 6)
    await sim.close()
  })

  it('forwards a received delta only to neighbours not known to have it', async () => {
    const sim = await Simulation.create({ peers: 50, seed: 3, room: { roundMs: 500 } })
    await sim.run(10 * 500)
    sim.peers[0]?.doc.getText('t').insert(0, 'x')
    await sim.runUntil(() => sim.converged(), 5_000)
    const copies = sim.peers.reduce((sum, p) => sum + p.room.stats().deltasReceived, 0)
    const degreeSum = sim.peers.reduce((sum, p) => sum + p.room.neighbours().length, 0)
    // Flooding sends one copy over each link direction; we never send back to the sender.
    expect(copies).toBeLessThan(degreeSum)
    expect(copies).toBeGreaterThanOrEqual(sim.peers.length - 1)
    await sim.close()
  })

  it('applies remote updates with the room as origin, and gossips local updates of any other origin', async () => {
    const sim = await Simulation.create({ peers: 3, seed: 1, room: { roundMs: 200 } })
    await sim.run(2_000)
    const [a, b] = sim.peers as [SimPeer, SimPeer]
    const origins: unknown[] = []
    b.doc.on('update', (_u: Uint8Array, origin: unknown) => origins.push(origin))
    a.doc.transact(() => a.doc.getMap('m').set('k', 1), 'some-binding')
    await sim.runUntil(() => b.doc.getMap('m').get('k') === 1, 2_000)
    expect(origins.length).toBeGreaterThan(0)
    expect(origins.every((o) => o === b.room)).toBe(true)
    await sim.close()
  })
})

describe('anti-entropy', () => {
  it('converges with push switched off', async () => {
    const sim = await Simulation.create({ peers: 40, seed: 9, room: { push: false, roundMs: 200 } })
    await sim.run(10 * 200)
    sim.peers[3]?.doc.getArray('a').push([1, 2, 3])
    sim.peers[7]?.doc.getText('t').insert(0, 'abc')
    expect(await sim.runUntil(() => sim.converged(), 30 * 200)).toBe(true)
    expect(sim.peers.every((p) => p.room.stats().deltasReceived === 0)).toBe(true)
    await sim.close()
  })

  it('repairs deletions, which state vectors do not cover', async () => {
    const sim = await Simulation.create({ peers: 10, seed: 4, room: { push: false, roundMs: 200 } })
    sim.peers[0]?.doc.getText('t').insert(0, 'hello world')
    await sim.runUntil(() => sim.converged(), 30 * 200)
    const svBefore = Y.encodeStateVector(sim.peers[0]!.doc)
    sim.peers[0]?.doc.getText('t').delete(0, 6)
    // The state vector did not change: only the delete set did.
    expect(Y.encodeStateVector(sim.peers[0]!.doc)).toEqual(svBefore)
    expect(await sim.runUntil(() => sim.peers.every((p) => p.doc.getText('t').toString() === 'world'), 30 * 200)).toBe(true)
    await sim.close()
  })

  it('an idle round costs a few dozen bytes per peer', async () => {
    const sim = await Simulation.create({ peers: 50, seed: 2, room: { roundMs: 1000 } })
    sim.peers[0]?.doc.getText('t').insert(0, 'some content so digests are not trivial')
    await sim.run(15_000)
    sim.network.resetStats()
    await sim.run(10_000)
    const perPeerPerRound = sim.network.stats().bytesSent / 50 / 10
    expect(perPeerPerRound).toBeLessThanOrEqual(100)
    await sim.close()
  })
})

describe('resilience', () => {
  it('heals a partition: both sides edit, then converge', async () => {
    const sim = await Simulation.create({ peers: 30, seed: 21, loss: 0.05, room: { roundMs: 200 } })
    await sim.run(10 * 200)
    const left = sim.peers.slice(0, 15).map((p) => p.index)
    const right = sim.peers.slice(15).map((p) => p.index)
    sim.partition([left, right])
    sim.peers[0]?.doc.getText('t').insert(0, 'left ')
    sim.peers[20]?.doc.getText('t').insert(0, 'right ')
    await sim.run(30 * 200)
    expect(docDigest(sim.peers[1]!.doc)).not.toBe(docDigest(sim.peers[16]!.doc))
    sim.heal()
    expect(await sim.runUntil(() => sim.converged(), 60 * 200)).toBe(true)
    expect(sim.peers[5]?.doc.getText('t').toString()).toContain('left')
    expect(sim.peers[5]?.doc.getText('t').toString()).toContain('right')
    await sim.close()
  })

  it('a restarted peer catches up, with or without its old document', async () => {
    const sim = await Simulation.create({ peers: 20, seed: 8, room: { roundMs: 200 } })
    await sim.run(10 * 200)
    await sim.crash(4)
    await sim.crash(5, { silent: false })
    sim.peers[0]?.doc.getText('t').insert(0, 'while you were away')
    await sim.run(5 * 200)
    await sim.restart(4)
    await sim.restart(5, { keepDoc: false })
    expect(await sim.runUntil(() => sim.converged(), 40 * 200)).toBe(true)
    expect(sim.peers[5]?.doc.getText('t').toString()).toBe('while you were away')
    await sim.close()
  })
})

describe('lifecycle', () => {
  it('close() releases every timer, connection and document listener', async () => {
    const sim = await Simulation.create({ peers: 12, seed: 6, room: { roundMs: 200 } })
    await sim.run(10 * 200)
    await sim.close()
    await sim.run(10_000)
    expect(sim.clock.pending).toBe(0)
    for (const p of sim.peers) {
      expect(sim.network.connectionCount(p.peerId)).toBe(0)
      const observers = (p.doc as unknown as { _observers: Map<string, Set<unknown>> })._observers
      expect(observers.get('update')?.size ?? 0).toBe(0)
    }
  })

  it('runs are deterministic: the same seed gives the same figures', async () => {
    const run = async () => {
      const sim = await Simulation.create({ peers: 25, seed: 99, loss: 0.05, room: { roundMs: 200 } })
      await sim.run(5 * 200)
      sim.peers[2]?.doc.getText('t').insert(0, 'determinism')
      await sim.run(20 * 200)
      const figures = { ...sim.network.stats(), digests: sim.peers.map((p) => docDigest(p.doc)) }
      await sim.close()
      return figures
    }
    expect(await run()).toEqual(await run())
  })
})
