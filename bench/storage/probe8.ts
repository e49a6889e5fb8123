import 'fake-indexeddb/auto'
import * as Y from 'yjs'
import { IndexeddbPersistence } from 'y-indexeddb'
import { DocStore, systemClock, systemRandom } from '@gossamer/core'
import { indexeddb } from '@gossamer/storage-idb'
import { typist } from './common.js'
const req = <T>(r: IDBRequest<T>) => new Promise<T>((res, rej) => { r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error) })
const done = (tx: IDBTransaction) => new Promise<void>((res, rej) => { tx.oncomplete = () => res(); tx.onerror = () => rej(tx.error) })
type V = { name: string; edit: () => void; durable: () => Promise<void>; cpu: number; wall: number; n: number }
const variants: V[] = []
{ const doc = new Y.Doc(); const t = typist(doc, 1); variants.push({ name: 'bare', edit: () => t.edit(), durable: () => new Promise((r) => setImmediate(r)), cpu: 0, wall: 0, n: 0 }) }
{ const doc = new Y.Doc(); const p = new IndexeddbPersistence('p8y', doc); p._storeTimeout = 1e9; await p.whenSynced; const t = typist(doc, 1)
  variants.push({ name: 'y', edit: () => t.edit(), durable: () => done(p.db!.transaction(['updates'], 'readwrite')), cpu: 0, wall: 0, n: 0 }) }
{ const doc = new Y.Doc(); const store = new DocStore({ adapter: indexeddb({ dbName: 'p8g' }), room: 'b', random: systemRandom(), clock: systemClock(), locks: null }); await store.load(doc, store)
  doc.on('update', (u: Uint8Array, o: unknown) => { if (o !== store) store.append(u, { fromDoc: true }) }); const t = typist(doc, 1)
  variants.push({ name: 'g', edit: () => t.edit(), durable: () => store.flush(), cpu: 0, wall: 0, n: 0 }) }
{ const open = indexedDB.open('p8raw', 1); open.onupgradeneeded = () => { open.result.createObjectStore('s') }; const db = await req(open)
  const doc = new Y.Doc(); let last: Promise<void> = Promise.resolve(); let i = 0
  doc.on('update', (u: Uint8Array) => { const tx = db.transaction('s', 'readwrite'); tx.objectStore('s').put(u, ['gossamer', 'b', 'log', 'abcdef0123456789.0.0', String(i++).padStart(10, '0')]); last = done(tx) })
  const t = typist(doc, 1)
  variants.push({ name: 'raw-array', edit: () => t.edit(), durable: () => last, cpu: 0, wall: 0, n: 0 }) }
for (const kind of ['string', 'number']) { const open = indexedDB.open('p8raw' + kind, 1); open.onupgradeneeded = () => { open.result.createObjectStore('s') }; const db = await req(open)
  const doc = new Y.Doc(); let last: Promise<void> = Promise.resolve(); let i = 0
  doc.on('update', (u: Uint8Array) => { const tx = db.transaction('s', 'readwrite'); tx.objectStore('s').put(u, kind === 'string' ? 'gossamer\0b\0log\0abcdef0123456789.0.0\0' + String(i++).padStart(10, '0') : i++); last = done(tx) })
  const t = typist(doc, 1)
  variants.push({ name: 'raw-' + kind, edit: () => t.edit(), durable: () => last, cpu: 0, wall: 0, n: 0 }) }
const BLOCK = 1000
for (let r = 0; r < 20; r++) {
  for (const v of r % 2 ? variants : [...variants].reverse()) {
    const c0 = process.cpuUsage(); const w0 = performance.now()
    for (let i = 0; i < BLOCK; i++) { v.edit(); await v.durable() }
    const c = process.cpuUsage(c0); v.cpu += c.user + c.system; v.wall += performance.now() - w0; v.n += BLOCK
  }
}
for (const v of variants) console.log(v.name.padEnd(10), 'wall µs/edit', (v.wall * 1000 / v.n).toFixed(1), 'cpu µs/edit', (v.cpu / v.n).toFixed(1))
process.exit(0)
