import 'fake-indexeddb/auto'
import * as Y from 'yjs'
import { indexeddb } from '@gossamer/storage-idb'
const doc = new Y.Doc(); const ups: Uint8Array[] = []
doc.on('update', (u: Uint8Array) => ups.push(u))
const t = doc.getText('t')
for (let i = 0; i < 6400; i++) t.insert(i, 'x')
const a = indexeddb({ dbName: 'p3' })
for (let r = 0; r < 8; r++) {
  const ops = ups.slice(0, 64).map((d, i) => ({ type: 'save' as const, key: ['gossamer', 'bench', 'log', `w.0.${r}`, String(r * 1000 + i).padStart(10, '0')], data: d }))
  for (const o of ops) await a.save(o.key, o.data)
  const m0 = performance.now()
  const merged = Y.mergeUpdates(ops.map((o) => o.data))
  const m1 = performance.now()
  await a.batch([{ type: 'save', key: ['gossamer', 'bench', 'log', 'w.1.0', String(r).padStart(10, '0')], data: merged }, { type: 'removeRange', prefix: ['gossamer', 'bench', 'log', `w.0.${r}`] }])
  const m2 = performance.now()
  const t1 = performance.now()
  await a.save(['gossamer', 'bench', 'log', 'x', '1'], ups[0]!)
  console.log('merge', (m1 - m0).toFixed(3), 'batch', (m2 - m1).toFixed(3), 'save', (performance.now() - t1).toFixed(3), 'ms')
}
