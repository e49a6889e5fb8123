import { Simulation } from '@gossamer/testing'
const sim = await Simulation.create({ peers: 200, seed: 1 })
await sim.run(30000)
const t0 = sim.clock.now()
const victims = new Set<number>()
while (victims.size < 100) victims.add(Math.floor(sim.random.next() * 200))
const crashed = new Set([...victims].map(v => sim.peers[v]!.peerId))
const first = new Map<string, number>(), allFail = new Map<string, number[]>(), firstBy = new Map<string,string>()
for (const p of sim.peers.filter(p => !crashed.has(p.peerId))) {
  p.room.on('member:suspect', ({ member, by }) => { if (crashed.has(member.peerId) && !first.has(member.peerId)) { first.set(member.peerId, sim.clock.now()-t0); firstBy.set(member.peerId, by) } })
  p.room.on('member:fail', ({ member }) => { if (crashed.has(member.peerId)) { const l = allFail.get(member.peerId) ?? []; l.push(sim.clock.now()-t0); allFail.set(member.peerId, l) } })
}
// neighbours of each victim that survive
const surviving = new Map<string, number>()
for (const v of victims) { const p = sim.peers[v]!; surviving.set(p.peerId, p.room.neighbours().filter(n => !crashed.has(n)).length) }
for (const v of victims) await sim.crash(v)
await sim.run(15000)
const rows = [...crashed].map(c => [c, surviving.get(c), first.get(c)?.toFixed(0), Math.min(...(allFail.get(c) ?? [Infinity])).toFixed(0), Math.max(...(allFail.get(c) ?? [Infinity])).toFixed(0), (allFail.get(c)??[]).length] as const)
rows.sort((a, b) => Number(a[4]) - Number(b[4]))
for (const r of rows.filter((_, i) => i % 10 === 0 || i > 95)) console.log(r.join('\t'))
await sim.close()
