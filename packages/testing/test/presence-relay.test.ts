/**
 * Presence gossip, the mesh signal relay and the admission gate, on the simulator.
 */
import { describe, expect, it } from 'vitest'
import type { SignalPath, Transport, TransportStartOptions } from '@gossamer/core'
import { Simulation, type SimPeer } from '../src/index.js'

describe('presence', () => {
  it('gossips awareness states through the mesh, without every peer sending to every other', async () => {
    const sim = await Simulation.create({ peers: 20, seed: 31, room: { presence: true, roundMs: 200 } })
    await sim.run(10 * 200)
    const origin = sim.peers[0] as SimPeer
    origin.room.awareness.setLocalStateField('user', { name: 'Ada' })
    const everyoneSees = (): boolean =>
      sim.peers.every((p) => (p.room.awareness.getStates().get(origin.doc.clientID) as { user?: { name: string } } | undefined)?.user?.name === 'Ada')
    expect(await sim.runUntil(everyoneSees, 2_000)).toBe(true)
    // The origin only talks to its neighbours.
    expect(origin.room.neighbours().length).toBeLessThan(sim.peers.length - 1)
    // A clean leave removes the state everywhere at once.
    await origin.room.close()
    origin.alive = false
    const gone = (): boolean => sim.alive().every((p) => !p.room.awareness.getStates().has(origin.doc.clientID))
    expect(await sim.runUntil(gone, 2_000)).toBe(true)
    await sim.close()
  })
})

describe('mesh relay and admission', () => {
  it('relays a signal to a peer that is not a neighbour, and admits inbound only while there is room', async () => {
    const captured = new Map<string, TransportStartOptions>()
    const sim = await Simulation.create({ peers: 30, seed: 17, room: { roundMs: 200 } })
    // Capture the start options a room gives its transport, by restarting peers with a spy transport.
    for (const index of [0, 1, 2, 3]) {
      await sim.crash(index, { silent: false })
    }
    await sim.run(12 * 200)
    const spy = (inner: Transport): Transport => ({
      ...inner,
      name: inner.name,
      on: inner.on.bind(inner),
      once: inner.once.bind(inner),
      off: inner.off.bind(inner),
      join: inner.join.bind(inner),
      leave: inner.leave.bind(inner),
      dial: inner.dial.bind(inner),
      stop: inner.stop.bind(inner),
      start: (options) => {
        captured.set(options.peerId, options)
        return inner.start(options)
      },
    })
    const original = sim.network.transport.bind(sim.network)
    sim.network.transport = () => spy(original())
    for (const index of [0, 1, 2, 3]) sim.restart(index)
    await sim.run(15 * 200)
    const a = sim.peers[0] as SimPeer
    const relayA = captured.get(a.peerId)?.relay as SignalPath
    const far = sim.peers.find((p) => p.index > 3 && !a.room.neighbours().includes(p.peerId)) as SimPeer
    expect(far).toBeDefined()
    // Find a captured peer that is not a neighbour of a, or fall back to any far peer's relay via another capture.
    const target = [1, 2, 3].map((i) => sim.peers[i] as SimPeer).find((p) => !a.room.neighbours().includes(p.peerId))
    const received: { from: string; data: Uint8Array }[] = []
    const receiver = target ?? (sim.peers[1] as SimPeer)
    captured.get(receiver.peerId)?.relay?.on('signal', (s) => received.push(s))
    expect(relayA.send(receiver.peerId, new Uint8Array([1, 2, 3]))).toBe(true)
    await sim.runUntil(() => received.length > 0, 2_000)
    expect(received).toEqual([{ from: a.peerId, data: new Uint8Array([1, 2, 3]) }])

    // Admission: fill the cap with reservations, then the gate says no.
    const admit = captured.get(a.peerId)?.admit as (peerId: string) => boolean
    let admitted = 0
    for (let i = 0; i < 20; i++) if (admit(`ghost-${i}`)) admitted++
    expect(admitted).toBe(Math.max(0, 6 - a.room.neighbours().length))
    expect(admit('ghost-late')).toBe(false)
    await sim.close()
  })
})
