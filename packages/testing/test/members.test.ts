/**
 * Members, metadata, events and queries on live rooms: the real engine over the memory
 * transport, on the simulator's virtual clock (seeded; assertions on behaviour, never on
 * wall time). The failure-detection targets at scale are measured by `pnpm simulate`.
 */
import { describe, expect, it } from 'vitest'
import { MetaTooLargeError, type Member, type QueryResponse, type RoomUserEvent } from '@gossamer/core'
import { Simulation, overlayConnected, type SimPeer } from '../src/index.js'

const ROUND = 1000

function statusOf(peer: SimPeer, of: string): Member['status'] | undefined {
  return peer.room.members().find((m) => m.peerId === of)?.status
}

function knowsEveryone(sim: Simulation): boolean {
  const n = sim.alive().length
  return sim.alive().every((p) => p.room.members().filter((m) => m.status === 'alive').length === n)
}

describe('members on live rooms', () => {
  it('every member learns every other (member:join once each), and members() lists them all with self first', async () => {
    const sim = await Simulation.create({ peers: 12, seed: 3 })
    const joins = new Map<string, string[]>()
    for (const p of sim.peers) p.room.on('member:join', ({ member }) => joins.set(p.peerId, [...(joins.get(p.peerId) ?? []), member.peerId]))
    expect(await sim.runUntil(() => knowsEveryone(sim), 20 * ROUND)).toBe(true)
    for (const p of sim.peers) {
      const seen = joins.get(p.peerId) ?? []
      expect(new Set(seen).size).toBe(seen.length)
      expect(seen.sort()).toEqual(sim.peers.map((q) => q.peerId).filter((id) => id !== p.peerId).sort())
      const [self, ...others] = p.room.members()
      expect(self).toMatchObject({ peerId: p.peerId, self: true, status: 'alive' })
      expect(others.filter((m) => m.neighbour).map((m) => m.peerId).sort()).toEqual(p.room.neighbours().sort())
    }
    await sim.close()
  })

  it('a crashed member is suspected, then failed everywhere, then reaped after reapMs; a closed one leaves', async () => {
    const sim = await Simulation.create({ peers: 10, seed: 4, room: { members: { reapMs: 20_000 } } })
    expect(await sim.runUntil(() => knowsEveryone(sim), 20 * ROUND)).toBe(true)
    const crashed = sim.peers[3] as SimPeer
    const watcher = sim.peers[0] as SimPeer
    const events: string[] = []
    watcher.room.on('member:suspect', ({ member }) => events.push(`suspect ${member.peerId}`))
    watcher.room.on('member:fail', ({ member }) => events.push(`fail ${member.peerId}`))
    watcher.room.on('member:leave', ({ member }) => events.push(`leave ${member.peerId}`))
    watcher.room.on('member:reap', ({ peerId, status }) => events.push(`reap ${peerId} ${status}`))
    await sim.crash(3)
    const survivors = sim.alive()
    expect(await sim.runUntil(() => survivors.every((p) => statusOf(p, crashed.peerId) === 'failed'), 10_000)).toBe(true)
    // One failure, after the suspicion if the watcher suspected it (it may learn of the failure directly).
    const about = events.filter((e) => e.endsWith(` ${crashed.peerId}`))
    expect(about.filter((e) => e.startsWith('fail'))).toHaveLength(1)
    expect(about.at(-1)).toBe(`fail ${crashed.peerId}`)
    // Graceful leave: the room says goodbye on close.
    const leaving = sim.peers[5] as SimPeer
    await leaving.room.close()
    const rest = survivors.filter((p) => p !== leaving)
    expect(await sim.runUntil(() => rest.every((p) => statusOf(p, leaving.peerId) === 'left'), 5000)).toBe(true)
    expect(events).toContain(`leave ${leaving.peerId}`)
    expect(events).not.toContain(`fail ${leaving.peerId}`)
    // Reaped after reapMs, with the status it had.
    expect(await sim.runUntil(() => events.includes(`reap ${crashed.peerId} failed`) && events.includes(`reap ${leaving.peerId} left`), 30_000)).toBe(true)
    expect(watcher.room.members().map((m) => m.peerId)).not.toContain(crashed.peerId)
    await sim.close()
  })

  it('50% of the peers crash at once: every survivor holds every crashed peer failed within 10 s, and the survivors form one overlay within 3 shuffle periods', { timeout: 30_000 }, async () => {
    const seed = 21
    const sim = await Simulation.create({ peers: 40, seed, room: { roundMs: ROUND } })
    expect(await sim.runUntil(() => knowsEveryone(sim), 30 * ROUND), `seed ${seed}`).toBe(true)
    const victims = sim.peers.filter((p) => p.index % 2 === 1)
    for (const v of victims) await sim.crash(v.index)
    const survivors = sim.alive()
    const allFailed = (): boolean => survivors.every((s) => victims.every((v) => statusOf(s, v.peerId) === 'failed'))
    expect(await sim.runUntil(allFailed, 10_000), `seed ${seed}`).toBe(true)
    // Shuffles run every 10 rounds by default.
    expect(await sim.runUntil(() => overlayConnected(survivors), 3 * 10 * ROUND - 10_000), `seed ${seed}`).toBe(true)
    await sim.close()
  })

  it('setMeta is seen by every member (merged by version per key), and beyond the size cap it throws MetaTooLargeError', async () => {
    const sim = await Simulation.create({ peers: 10, seed: 6 })
    expect(await sim.runUntil(() => knowsEveryone(sim), 20 * ROUND)).toBe(true)
    const author = sim.peers[2] as SimPeer
    const updates: string[][] = []
    ;(sim.peers[7] as SimPeer).room.on('member:update', ({ member, changed }) => {
      if (member.peerId === author.peerId) updates.push(changed)
    })
    author.room.setMeta({ role: 'editor', cursor: 3 })
    author.room.setMeta({ cursor: 4 })
    const metaOf = (p: SimPeer): unknown => p.room.members().find((m) => m.peerId === author.peerId)?.meta
    expect(await sim.runUntil(() => sim.peers.every((p) => JSON.stringify(metaOf(p)) === JSON.stringify({ role: 'editor', cursor: 4 })), 5000)).toBe(true)
    expect(updates.flat()).toContain('role')
    // Removing a key (undefined) is a change too.
    author.room.setMeta({ cursor: undefined })
    expect(await sim.runUntil(() => sim.peers.every((p) => JSON.stringify(metaOf(p)) === JSON.stringify({ role: 'editor' })), 5000)).toBe(true)
    expect(() => author.room.setMeta({ blob: 'x'.repeat(600) })).toThrow(MetaTooLargeError)
    expect(author.room.members()[0]?.meta).toEqual({ role: 'editor' })
    await sim.close()
  })

  it('room.emit reaches every other member exactly once; emits of one name coalesce to the last', async () => {
    const sim = await Simulation.create({ peers: 15, seed: 8 })
    expect(await sim.runUntil(() => knowsEveryone(sim), 20 * ROUND)).toBe(true)
    const received = new Map<string, RoomUserEvent[]>()
    for (const p of sim.peers) p.room.on('event:receive', (e) => received.set(p.peerId, [...(received.get(p.peerId) ?? []), e]))
    const sender = sim.peers[0] as SimPeer
    sender.room.emit('deploy', { version: 1 })
    sender.room.emit('deploy', { version: 2 })
    sender.room.emit('bytes', new Uint8Array([1, 2, 3]))
    const others = sim.peers.filter((p) => p !== sender)
    expect(await sim.runUntil(() => others.every((p) => (received.get(p.peerId) ?? []).length >= 2), 5000)).toBe(true)
    await sim.run(3000) // late copies of the flood would arrive meanwhile
    for (const p of others) {
      const events = received.get(p.peerId) ?? []
      expect(events.map((e) => e.name).sort()).toEqual(['bytes', 'deploy'])
      expect(events.find((e) => e.name === 'deploy')).toEqual({ name: 'deploy', payload: { version: 2 }, from: sender.peerId })
      expect(events.find((e) => e.name === 'bytes')?.payload).toEqual(new Uint8Array([1, 2, 3]))
    }
    expect(received.get(sender.peerId)).toBeUndefined()
    await sim.close()
  })

  it('room.query gathers the answers of members that answer (with a metadata filter) as an async iterable that ends at its timeout', async () => {
    const sim = await Simulation.create({ peers: 12, seed: 9 })
    expect(await sim.runUntil(() => knowsEveryone(sim), 20 * ROUND)).toBe(true)
    const editors = sim.peers.filter((p) => p.index % 3 === 0 && p.index > 0)
    for (const p of sim.peers) {
      if (editors.includes(p)) p.room.setMeta({ role: 'editor' })
      // Everyone but peer 1 answers; peer 1's handler stays silent.
      if (p.index !== 1) p.room.onQuery('load', (payload, { from }) => ({ asked: payload as number, by: p.index, from }))
    }
    await sim.run(3000) // the metadata spreads
    const asker = sim.peers[0] as SimPeer
    const all: QueryResponse[] = []
    const gather = (async () => {
      for await (const answer of asker.room.query('load', 7, { timeoutMs: 2000 })) all.push(answer)
    })()
    const filtered: QueryResponse[] = []
    const gatherFiltered = (async () => {
      for await (const answer of asker.room.query('load', 8, { timeoutMs: 2000, filter: { meta: { role: 'editor' } } })) filtered.push(answer)
    })()
    let ended = false
    void Promise.all([gather, gatherFiltered]).then(() => (ended = true))
    expect(await sim.runUntil(() => ended, 2500)).toBe(true)
    await Promise.all([gather, gatherFiltered])
    const expected = sim.peers.filter((p) => p.index > 1).map((p) => p.peerId).sort()
    expect(all.map((a) => a.from).sort()).toEqual(expected)
    expect(all.every((a) => (a.payload as { asked: number; from: string }).asked === 7 && (a.payload as { from: string }).from === asker.peerId)).toBe(true)
    expect(filtered.map((a) => a.from).sort()).toEqual(editors.map((p) => p.peerId).sort())
    await sim.close()
  })
})
