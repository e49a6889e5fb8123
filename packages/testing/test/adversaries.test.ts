/**
 * Live rooms under the scripted adversaries of `@gossamer/testing`, on the simulator (real
 * engine, memory network, virtual clock). Each adversary attacks one honest peer while the
 * honest peers keep editing: the attacked peer cuts it off within 5 s (a `peer:penalty`
 * disconnect), refuses it when it comes back, and once it is gone every honest peer holds
 * the same document with every honest edit. Time is virtual; nothing here is a timed
 * assertion on wall time. The pruner, which attacks the push trees, is in tree-abuse.test.ts.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createRoom, seededRandom, type PenaltyEvent } from '@gossamer/core'
import { awarenessSpammer, flooder, liar, oversizer, Simulation, docDigest, type Adversary, type AdversaryInit } from '../src/index.js'

const PEERS = 5
const EDIT_EVERY_MS = 100
const ATTACK_MS = 10_000

async function underAttack(seed: number, make: (init: AdversaryInit) => Adversary, presence = false) {
  const sim = await Simulation.create({ peers: PEERS, seed, room: { roundMs: 200, presence } })
  await sim.run(3000)
  const victim = sim.peers[0]!
  const penalties: PenaltyEvent[] = []
  victim.room.on('peer:penalty', (event) => penalties.push(event))
  const adversary = make({ transport: sim.network.transport(), peerId: 'adversary', room: victim.room.name, clock: sim.clock, target: victim.peerId })
  const startedAt = sim.clock.now()
  let joined: boolean | undefined
  void adversary.start().then((ok) => (joined = ok))
  await sim.runUntil(() => joined !== undefined, 5000)
  expect(joined).toBe(true)
  let edits = 0
  for (let t = 0; t < ATTACK_MS; t += EDIT_EVERY_MS) {
    const author = sim.peers[edits % PEERS]!
    author.doc.getText('t').insert(0, `e${edits};`)
    edits++
    await sim.run(EDIT_EVERY_MS)
  }
  await adversary.stop()
  const converged = await sim.runUntil(() => {
    const digest = docDigest(victim.doc)
    return sim.peers.every((p) => docDigest(p.doc) === digest && p.doc.getText('t').length === victim.doc.getText('t').length)
  }, 10_000)
  const text = victim.doc.getText('t').toString()
  const missing = Array.from({ length: edits }, (_, i) => `e${i};`).filter((e) => !text.includes(e))
  const cut = penalties.find((p) => p.peerId === 'adversary' && p.action === 'disconnect')
  const result = { sim, victim, adversary, penalties, cut, startedAt, converged, missing }
  return result
}

describe('scripted adversaries against a live room', () => {
  it('a flooder (1,000 valid deltas/s) is cut off within 5 s and refused on return; honest peers converge', { timeout: 60_000 }, async () => {
    const { sim, victim, adversary, cut, startedAt, converged, missing } = await underAttack(1, (init) => flooder(init))
    expect(cut, 'no disconnect').toBeDefined()
    expect(adversary.peer.stats.firstCutOffAt! - startedAt).toBeLessThan(5000)
    expect(adversary.peer.stats.refused).toBeGreaterThan(0)
    expect(adversary.peer.stats.welcomed).toBe(1)
    expect(victim.room.stats().framesThrottled).toBeGreaterThan(0)
    expect(victim.room.stats().peersCutOff).toBe(1)
    expect(converged).toBe(true)
    expect(missing).toEqual([])
    await sim.close()
  })

  it('an oversizer (2 MiB of GC structs per delta) is refused before decoding and cut off within 5 s', { timeout: 60_000 }, async () => {
    const { sim, victim, adversary, cut, startedAt, converged, missing } = await underAttack(2, (init) => oversizer(init))
    expect(cut, 'no disconnect').toBeDefined()
    expect(victim.room.stats().penalties).toBeGreaterThan(0)
    expect(adversary.peer.stats.firstCutOffAt! - startedAt).toBeLessThan(5000)
    expect(victim.room.stats().limitRejections).toBeGreaterThan(0)
    for (const peer of sim.peers) expect(peer.doc.store.clients.has(0x0ff5_12e0)).toBe(false)
    expect(converged).toBe(true)
    expect(missing).toEqual([])
    await sim.close()
  })

  it('an awareness spammer is cut off; honest presence still reaches a newcomer', { timeout: 60_000 }, async () => {
    const { sim, victim, adversary, cut, startedAt, converged, missing } = await underAttack(3, (init) => awarenessSpammer(init), true)
    expect(cut).toBeDefined()
    expect(adversary.peer.stats.firstCutOffAt! - startedAt).toBeLessThan(5000)
    expect(victim.room.awareness.getStates().size).toBeLessThanOrEqual(512)
    expect(converged).toBe(true)
    expect(missing).toEqual([])
    const newcomer = createRoom({ name: sim.roomName, doc: new Y.Doc(), transports: [sim.network.transport()], clock: sim.clock, random: seededRandom(99), peerId: 'newcomer', roundMs: 200 })
    const honest = sim.peers.map((p) => p.room.awareness.clientID)
    const seen = await sim.runUntil(() => honest.every((id) => newcomer.awareness.getStates().has(id)), 10_000)
    expect(seen).toBe(true)
    await Promise.all([sim.close(), newcomer.close()])
  })

  it('a liar (false digest matches, requests left unanswered) is cut off for its lies; every honest edit arrives', { timeout: 60_000 }, async () => {
    const { sim, victim, adversary, penalties, cut, startedAt, converged, missing } = await underAttack(4, (init) => liar(init))
    const lies = penalties.filter((p) => p.peerId === 'adversary' && p.reason === 'lie').map((p) => p.detail)
    expect(lies).toContain('a digest match its state vector disproves')
    expect(lies).toContain('requests it left unanswered')
    expect(cut?.reason).toBe('lie')
    expect(adversary.peer.stats.firstCutOffAt! - startedAt).toBeLessThan(ATTACK_MS)
    expect(victim.room.stats().liesDetected).toBeGreaterThan(0)
    expect(penalties.filter((p) => p.peerId !== 'adversary')).toEqual([])
    expect(converged).toBe(true)
    expect(missing).toEqual([])
    await sim.close()
  })
})
