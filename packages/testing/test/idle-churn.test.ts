/**
 * A calm room does not rewire: after the overlay formed, an idle 8-peer room with presence
 * (the engine's "sees everyone" shortcut) dials and closes no link for a minute. Counting
 * only presence through self-dialled neighbours in calm rooms too (an eclipse defence meant
 * for peers under pressure, docs/SECURITY.md) made such a room open 12 to 35 links and send
 * 21 to 70 Disconnects a minute (seeds 1 to 3), each new link with a presence greeting.
 */
import { describe, expect, it } from 'vitest'
import { Simulation } from '../src/index.js'

/** Frames sent room-wide, by frame type name. */
function sent(sim: Simulation): Record<string, number> {
  const out: Record<string, number> = {}
  for (const peer of sim.peers) for (const [type, { frames }] of Object.entries(peer.room.metrics().frames.sent)) out[type] = (out[type] ?? 0) + frames
  return out
}

describe('an idle room', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: opens and closes no link for a minute once formed, and presence renewals stay its bulk`, { timeout: 120_000 }, async () => {
      const sim = await Simulation.create({ peers: 8, seed, room: { presence: true, maxNeighbours: 6 } })
      for (const peer of sim.peers) peer.room.awareness.setLocalStateField('user', { name: `peer ${peer.peerId}` })
      await sim.run(30_000)
      const before = sent(sim)
      await sim.run(60_000)
      const after = sent(sim)
      const during = (type: string): number => (after[type] ?? 0) - (before[type] ?? 0)
      const report = `seed ${seed}: ${JSON.stringify(Object.fromEntries(Object.keys(after).map((t) => [t, during(t)])))}`
      expect(during('Hello'), report).toBe(0)
      expect(during('Disconnect'), report).toBe(0)
      // Eight peers renew every 15 s, each renewal crossing a pruned tree to 7 peers: about 224.
      expect(during('Awareness'), report).toBeLessThanOrEqual(320)
      await sim.close()
    })
  }
})
