import 'fake-indexeddb/auto'
import { seededRandom, randomInt, DocStore, systemClock, systemRandom } from '@gossamer/core'
import { indexeddb } from '@gossamer/storage-idb'
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
lat.sort((a, b) => a - b)
console.log(which, N, Math.round(N / ms * 1000), 'edits/s p50', lat[Math.floor(N * 0.5)]!.toFixed(3), 'p99', lat[Math.floor(N * 0.99)]!.toFixed(3), 'max', lat[N - 1]!.toFixed(1))
const t1 = performance.now(); const s = Y.encodeStateAsUpdate(doc); console.log('encode', (performance.now() - t1).toFixed(2), 'ms', s.byteLength, 'bytes')
const t2 = performance.now(); Y.decodeUpdate(s); console.log('decode', (performance.now() - t2).toFixed(2))
const t3 = performance.now(); const d2 = new Y.Doc(); Y.applyUpdate(d2, s); console.log('apply fresh', (performance.now() - t3).toFixed(2))
const t4 = performance.now(); Y.applyUpdate(doc, s); console.log('apply again', (performance.now() - t4).toFixed(2))
await opened.close()
