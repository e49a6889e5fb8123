import 'fake-indexeddb/auto'
import * as Y from 'yjs'
import { typist } from './common.js'
import { gossamer, yIndexeddb } from './systems.js'
const N = Number(process.argv[2] ?? 10000)
const sys = process.argv[3] === 'y' ? yIndexeddb({ deferTrim: true }) : gossamer()
const doc = new Y.Doc()
const opened = await sys.open(`p5-${process.argv[3]}`, doc)
const t = typist(doc, 1)
const c0 = process.cpuUsage(); const w0 = performance.now()
for (let i = 0; i < N; i++) { t.edit(); await opened.durable() }
const c = process.cpuUsage(c0); const w = performance.now() - w0
console.log(sys.name, N, 'wall', w.toFixed(0), 'cpu', ((c.user + c.system) / 1000).toFixed(0), 'µs cpu/edit', ((c.user + c.system) / N).toFixed(1))
await opened.close(); process.exit(0)
