import 'fake-indexeddb/auto'
import { perEdit } from './per-edit.js'
import { gossamer, yIndexeddb } from './systems.js'
const N = Number(process.argv[2] ?? 10000)
const runs = await perEdit([gossamer(), yIndexeddb({ deferTrim: true })], N, 1)
for (const r of runs) console.log(r.system, r.editsPerSec, 'p50', r.p50Ms, 'p99', r.p99Ms, 'max', r.maxMs, JSON.stringify(r.slices.map((s) => [s.editsPerSec, s.p99Ms])))
