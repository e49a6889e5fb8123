/**
 * Honest churn scores no lie: on the simulator (real engines, memory network, virtual
 * clock), peers edit and show presence while others reload (a new document under the same
 * or a new peer id), crash and come back with their document, and the room is split and
 * healed. Every claim the push trees and anti-entropy check (hop counts, echoes, Prunes,
 * digest matches, unanswered requests) is then made by honest peers only, so no
 * `peer:penalty` of reason `lie` may appear (docs/SECURITY.md, Push trees under attack).
 * Before the fix, a push-tree parent whose own path from an origin broke was scored as a
 * liar ("a shorter path that delivered nothing"): seeds 2 and 3 and the room with a secret
 * each saw one to five such penalties against honest peers.
 */
import { describe, expect, it } from 'vitest'
import type { PenaltyEvent } from '@gossamer/core'
import { Simulation } from '../src/index.js'

const PEERS = 8
const ROUND_MS = 200

async function churn(seed: number, secret?: string): Promise<{ lies: PenaltyEvent[]; sim: Simulation }> {
  const sim = await Simulation.create({ peers: PEERS, seed, room: { roundMs: ROUND_MS, presence: true, maxNeighbours: 3 }, ...(secret === undefined ? {} : { secret }) })
  const lies: PenaltyEvent[] = []
  const watched = new WeakSet<object>()
  /** Listens to every room not listened to yet (a restart makes a new room). */
  const watch = (): void => {
    for (const peer of sim.peers) {
      if (watched.has(peer.room)) continue
      watched.add(peer.room)
      peer.room.on('peer:penalty', (event) => {
        if (event.reason === 'lie') lies.push(event)
      })
      peer.room.awareness.setLocalStateField('user', { name: peer.peerId })
    }
  }
  watch()
  await sim.run(10 * ROUND_MS)
  let n = 0
  const edit = async (ms: number): Promise<void> => {
    for (let t = 0; t < ms; t += 100) {
      const author = sim.alive()[n % sim.alive().length]
      author?.doc.getText('t').insert(0, `<${n++}>`)
      author?.room.awareness.setLocalStateField('cursor', n)
      await sim.run(100)
    }
  }
  await edit(2000)
  for (let cycle = 0; cycle < 6; cycle++) {
    const index = 1 + (cycle % (PEERS - 1))
    // A reload: the page goes (politely or not) and comes back with an empty document.
    await sim.crash(index, { silent: cycle % 2 === 0 })
    await edit(300)
    await sim.restart(index, { keepDoc: cycle % 3 === 2 })
    watch()
    await edit(1500)
  }
  sim.partition([[0, 1, 2, 3], [4, 5, 6, 7]])
  await edit(3000)
  sim.heal()
  await edit(4000)
  // A healed partition can take a while: each half still shows the other's presence until it
  // expires, and until then the overlay believes it is connected (about 24 s here).
  await sim.runUntil(() => sim.converged(), 300 * ROUND_MS)
  return { lies, sim }
}

describe('honest churn scores no lie', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: reloads, crashes, a partition and its healing in an open room`, { timeout: 120_000 }, async () => {
      const { lies, sim } = await churn(seed)
      expect(lies.map((l) => `${l.peerId} ${l.detail ?? ''}`), `seed ${seed}`).toEqual([])
      expect(sim.converged(), `seed ${seed}`).toBe(true)
      await sim.close()
    })
  }
  it('seed 4: the same in a room with a secret', { timeout: 120_000 }, async () => {
    const { lies, sim } = await churn(4, 'honest-churn-secret-0123456789abcdef')
    expect(sim.converged()).toBe(true)
    expect(lies.map((l) => `${l.peerId} ${l.detail ?? ''}`)).toEqual([])
    await sim.close()
  })
})
