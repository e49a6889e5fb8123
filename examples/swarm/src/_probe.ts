import { Simulation } from '@gossamer/testing'
const t0 = performance.now()
const sim = await Simulation.create({ peers: 50, seed: 1, loss: 0.05 })
await sim.run(2000)
console.log('created', performance.now() - t0)
await sim.run(5000)
console.log('idle 5s', performance.now() - t0, sim.clock.fired, JSON.stringify(sim.network.stats()))
for (let k = 0; k < 50; k++) {
  const p = sim.peers[k]!
  for (let j = 0; j < 5; j++) sim.clock.setTimeout(() => p.doc.getText('t').insert(0, `w${k}.${j} `), sim.random.next() * 5000)
}
for (let i = 0; i < 10; i++) { const a = performance.now(); await sim.run(500); console.log(sim.clock.now(), performance.now() - a, sim.clock.fired) }
await sim.close()
