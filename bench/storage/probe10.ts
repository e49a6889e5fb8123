import 'fake-indexeddb/auto'
import * as Y from 'yjs'
import { typist } from './common.js'
const req = <T>(r: IDBRequest<T>) => new Promise<T>((res, rej) => { r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error) })
const done = (tx: IDBTransaction) => new Promise<void>((res, rej) => { tx.oncomplete = () => res(); tx.onerror = () => rej(tx.error) })
const open = indexedDB.open('p10', 1); open.onupgradeneeded = () => { open.result.createObjectStore('s') }; const db = await req(open)
const doc = new Y.Doc(); let last: Promise<void> = Promise.resolve(); let i = 0
doc.on('update', (u: Uint8Array) => { const tx = db.transaction('s', 'readwrite'); tx.objectStore('s').put(u, i++); last = done(tx) })
const t = typist(doc, 1)
for (let k = 0; k < 40000; k++) { t.edit(); await last }
process.exit(0)
