/**
 * The simulator with a room secret: peers get seeded key-derived ids, sessions are
 * authenticated and sealed, writes are signed, and crashes and restarts (with the document
 * from the peer's own storage, or as a new device) still converge.
 */
import { describe, expect, it } from 'vitest'
import { generateRoomSecret, isKeyPeerId, type ErrorEvent } from '@gossamer/core'
import { Simulation } from '../src/index.js'

const ROUND_MS = 200

function collect(sim: Simulation, index: number, into: string[]): void {
  sim.peers[index]?.room.on('error', ({ error }: ErrorEvent) => into.push(`p${index} ${error.name}: ${error.message}`))
}

describe('Simulation with a secret', () => {
  it('derives peer ids from seeded keys: the same seed gives the same ids', async () => {
    const secret = generateRoomSecret()
    const a = await Simulation.create({ peers: 3, seed: 12, secret, room: { roundMs: ROUND_MS } })
    const b = await Simulation.create({ peers: 3, seed: 12, secret, room: { roundMs: ROUND_MS } })
    const c = await Simulation.create({ peers: 3, seed: 13, secret, room: { roundMs: ROUND_MS } })
    const ids = (sim: Simulation): string[] => sim.peers.map((p) => p.peerId)
    expect(ids(a).every((id) => isKeyPeerId(id))).toBe(true)
    expect(a.peers.map((p) => p.room.peerId)).toEqual(ids(a))
    expect(ids(b)).toEqual(ids(a))
    expect(ids(c)).not.toEqual(ids(a))
    await Promise.all([a.close(), b.close(), c.close()])
  })

  it('converges through crashes and restarts, with and without the document', async () => {
    const sim = await Simulation.create({ peers: 6, seed: 5, secret: generateRoomSecret(), room: { roundMs: ROUND_MS } })
    const errors: string[] = []
    for (const peer of sim.peers) collect(sim, peer.index, errors)
    sim.peers[0]?.doc.getText('t').insert(0, 'signed ')
    expect(await sim.runUntil(() => sim.converged() && sim.peers.every((p) => p.doc.getText('t').length === 7), 40 * ROUND_MS)).toBe(true)
    const before = sim.peers[2]?.peerId
    await sim.crash(1)
    await sim.crash(2, { silent: false })
    sim.peers[3]?.doc.getText('t').insert(0, 'while you were away ')
    await sim.run(5 * ROUND_MS)
    await sim.restart(1)
    await sim.restart(2, { keepDoc: false })
    collect(sim, 1, errors)
    collect(sim, 2, errors)
    expect(sim.peers[2]?.peerId).not.toBe(before)
    sim.peers[1]?.doc.getText('t').insert(0, 'back ')
    sim.peers[2]?.doc.getText('t').insert(0, 'new device ')
    const text = (): string | undefined => sim.peers[0]?.doc.getText('t').toString()
    expect(await sim.runUntil(() => sim.converged() && text()?.length === 7 + 20 + 5 + 11, 60 * ROUND_MS)).toBe(true)
    for (const peer of sim.peers) expect(peer.doc.getText('t').toString()).toBe(text())
    // The restarted peer kept its key and its chain: its new edit was accepted everywhere.
    expect(text()).toContain('back ')
    expect(errors.filter((e) => /Authorship|Signature|UnauthorizedWrite|Equivocation/.test(e))).toEqual([])
    await sim.close()
  })

  it('with writers, a reader\'s edits stay on the reader', async () => {
    const sim = await Simulation.create({ peers: 4, seed: 9, secret: generateRoomSecret(), writers: [0, 1], room: { roundMs: ROUND_MS } })
    sim.peers[0]?.doc.getText('t').insert(0, 'writer')
    sim.peers[3]?.doc.getText('t').insert(0, 'reader ')
    await sim.run(30 * ROUND_MS)
    for (const index of [0, 1, 2]) expect(sim.peers[index]?.doc.getText('t').toString()).toBe('writer')
    await sim.close()
  })
})
