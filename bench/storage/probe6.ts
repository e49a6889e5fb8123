import * as Y from 'yjs'
import { typist } from './common.js'
const N = Number(process.argv[2] ?? 10000)
const doc = new Y.Doc()
let n = 0
doc.on('update', (u: Uint8Array) => { n += u.length })
const t = typist(doc, 1)
const c0 = process.cpuUsage(); const w0 = performance.now()
for (let i = 0; i < N; i++) { t.edit(); await new Promise((r) => setImmediate(r)) }
const c = process.cpuUsage(c0); const w = performance.now() - w0
console.log('bare', N, 'wall', w.toFixed(0), 'cpu', ((c.user + c.system) / 1000).toFixed(0), 'µs cpu/edit', ((c.user + c.system) / N).toFixed(1))
