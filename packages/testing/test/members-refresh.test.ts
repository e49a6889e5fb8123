/**
 * Self-refresh closes the failure detector's blind spot: a member whose every neighbour dies
 * with it has nobody left to probe it, and too few members are lost for the mass-failure
 * sweep. The real engine on the simulator's virtual clock (seeded; assertions on behaviour,
 * never on wall time).
 */
import { describe, expect, it } from 'vitest'
import type { Member } from '@gossamer/core'
import { Simulation, type SimPeer } from '../src/index.js'

const ROUND = 1000

function statusOf(peer: SimPeer, of: string): Member['status'] | undefined {
  return peer.room.members().find((m) => m.peerId === of)?.status
}

describe('member self-refresh', () => {
  for (const seed of [5, 6]) {
    it(`a member that dies with every neighbour (no mass-failure sweep) is failed by every survivor within a bounded time (seed ${seed})`, async () => {
      // Two links per peer: the victim and its two neighbours are 3 of 16; the survivors see only the 2 neighbours go, below the sweep's threshold.
      const sim = await Simulation.create({ peers: 16, seed, room: { roundMs: ROUND, maxNeighbours: 2 } })
      const everyoneKnown = (): boolean => sim.alive().every((p) => p.room.members().filter((m) => m.status === 'alive').length === sim.peers.length)
      expect(await sim.runUntil(everyoneKnown, 120 * ROUND), `seed ${seed}`).toBe(true)
      const victim = sim.peers.find((p) => p.room.neighbours().length > 0) as SimPeer
      const neighbours = victim.room.neighbours()
      const dead = new Set([victim.peerId, ...neighbours])
      expect(dead.size, `seed ${seed}`).toBeLessThanOrEqual(3)
      for (const p of sim.peers) if (dead.has(p.peerId)) await sim.crash(p.index)
      const survivors = sim.alive()
      // The neighbours are detected by probes (each has another neighbour among the survivors, or the refresh finds it).
      // The victim: unheard for 4 refresh periods (16 members, 0.25 refreshes per period room-wide: 64 probe periods each),
      // checked every quarter refresh period, then a suspicion timeout (a few periods).
      const bound = (4 * 64 + 16 + 20) * ROUND
      const failed = (): boolean => survivors.every((s) => [...dead].every((d) => statusOf(s, d) === 'failed' || statusOf(s, d) === undefined))
      expect(await sim.runUntil(failed, bound), `seed ${seed}`).toBe(true)
      // Every survivor knew the victim, and holds it failed (none reaped it yet: reapMs is 5 minutes).
      for (const s of survivors) expect(statusOf(s, victim.peerId), `seed ${seed}`).toBe('failed')
      // A survivor the crash cut off may have been suspected meanwhile: once relinked, it is alive everywhere again.
      const allAlive = (): boolean => survivors.every((s) => survivors.every((o) => o === s || statusOf(s, o.peerId) === 'alive'))
      expect(await sim.runUntil(allAlive, 60 * ROUND), `seed ${seed}`).toBe(true)
      await sim.close()
    }, 60_000)
  }

  it('refreshes are room-wide news: a quiet room raises incarnations, and nobody is suspected', async () => {
    const seed = 7
    const sim = await Simulation.create({ peers: 12, seed, room: { roundMs: ROUND } })
    const suspicions: string[] = []
    for (const p of sim.peers) p.room.on('member:suspect', ({ member }) => suspicions.push(`${p.peerId}>${member.peerId}`))
    await sim.run(400 * ROUND)
    const watcher = sim.peers[0] as SimPeer
    // 12 members, 0.25 refreshes per period room-wide: one every 52 periods (±25%) each, the first within 52; 400 periods: at least 6.
    for (const m of watcher.room.members()) expect(m.incarnation, `seed ${seed}`).toBeGreaterThanOrEqual(6)
    expect(suspicions, `seed ${seed}`).toEqual([])
    await sim.close()
  }, 60_000)
})
