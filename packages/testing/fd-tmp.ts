import { runFailureDetection } from '@gossamer/testing'
const [peers, fail, loss, starve, dur, lha] = process.argv.slice(2).map(Number)
const r = await runFailureDetection({ peers: peers ?? 100, seed: 1, fail: fail ?? 0.01, loss: loss ?? 0, starve: starve ?? 0, durationMs: dur ?? 30000, localHealth: lha !== 0 })
console.log(JSON.stringify(r, null, 1))
