import 'fake-indexeddb/auto'
import { seededRandom, randomInt } from '@gossamer/core'
import * as Y from 'yjs'
import { yIndexeddb, gossamer } from './systems.js'

const N = Number(process.argv[2] ?? 10000)
const which = process.argv[3] ?? 'g'
const random = seededRandom(1)
const doc = new Y.Doc()
const sys = which === 'g' ? gossamer() : yIndexeddb({ deferTrim: true })
const opened = await sys.open(`probe-${which}-${N}`, doc)
const text = doc.getText('t')
let at = 0
const lat: number[] = []
const start = performance.now()
for (let i = 0; i < N; i++) {
  const t0 = performance.now()
  const roll = random.next()
  if (roll < 0.05) at = randomInt(random, text.length + 1)
  if (roll < 0.15 && at > 0) { text.delete(at - 1, 1); at-- } else { text.insert(at, 'x'); at++ }
  await opened.durable()
  lat.push(performance.now() - t0)
}
const ms = performance.now() - start
const idx = lat.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0])
console.log(which, N, Math.round(N / ms * 1000), 'edits/s')
console.log(idx.slice(0, 40).map(([v, i]) => `${i}:${v.toFixed(2)}`).join(' '))
const mod = new Map<number, number[]>()
for (let i = 0; i < N; i++) { const k = i % 64; (mod.get(k) ?? mod.set(k, []).get(k)!).push(lat[i]!) }
console.log([...mod].map(([k, v]) => `${k}:${(v.reduce((a, b) => a + b, 0) / v.length).toFixed(3)}`).join(' '))
for (let d = 0; d < 10; d++) { const s = lat.slice(d * N / 10, (d + 1) * N / 10).sort((a, b) => a - b); console.log('decile', d, 'mean', (s.reduce((a, b) => a + b, 0) / s.length).toFixed(3), 'p99', s[Math.floor(s.length * 0.99)]!.toFixed(3)) }
await opened.close()
