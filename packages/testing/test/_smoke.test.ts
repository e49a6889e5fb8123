import { it, expect } from 'vitest'
import { Simulation } from '../src/sim/simulation.js'

it('smoke', async () => {
  const sim = await Simulation.create({ peers: 30, seed: 1 })
  await sim.run(10_000)
  const counts = sim.peers.map((p) => p.room.members().length)
  console.log('members known', Math.min(...counts), Math.max(...counts))
  const fails = new Map<string, number>()
  const t0 = sim.clock.now()
  for (const p of sim.peers) p.room.on('member:fail', ({ member }) => { if (!fails.has(`${p.peerId}>${member.peerId}`)) fails.set(`${p.peerId}>${member.peerId}`, sim.clock.now() - t0) })
  const suspects: string[] = []
  for (const p of sim.peers) p.room.on('member:suspect', ({ member, by }) => suspects.push(`${(sim.clock.now()-t0).toFixed(0)} ${p.peerId}: ${member.peerId} by ${by}`))
  await sim.crash(5)
  await sim.run(10_000)
  console.log('fails', fails.size, [...fails.values()].sort((a,b)=>a-b).slice(-3), suspects.slice(0, 5))
  console.log(sim.peers[0]!.room.members().slice(0,3), sim.peers[0]!.room.metrics())
  const st = sim.peers[1]!.room.stats()
  console.log(st)
  await sim.close()
  expect(fails.size).toBe(29)
})
