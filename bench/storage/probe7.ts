import 'fake-indexeddb/auto'
const mode = process.argv[2]!
const N = 20000
const req = <T>(r: IDBRequest<T>) => new Promise<T>((res, rej) => { r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error) })
const done = (tx: IDBTransaction) => new Promise<void>((res, rej) => { tx.oncomplete = () => res(); tx.onerror = () => rej(tx.error) })
const open = indexedDB.open('p7-' + mode, 1)
open.onupgradeneeded = () => { open.result.createObjectStore('s', mode === 'y' ? { autoIncrement: true } : undefined) }
const db = await req(open)
const data = new Uint8Array(24)
const c0 = process.cpuUsage(); const w0 = performance.now()
for (let i = 0; i < N; i++) {
  if (mode === 'y') {
    const tx = db.transaction('s', 'readwrite'); tx.objectStore('s').add(data)
    await done(db.transaction('s', 'readwrite'))
  } else if (mode === 'array') {
    const tx = db.transaction('s', 'readwrite'); tx.objectStore('s').put(data, ['gossamer', 'bench', 'log', 'abcdef0123456789.0.' + (i >> 6), String(i).padStart(10, '0')]); await done(tx)
    if ((i & 63) === 63) { const t2 = db.transaction('s', 'readwrite'); t2.objectStore('s').delete(IDBKeyRange.bound(['gossamer', 'bench', 'log', 'abcdef0123456789.0.' + (i >> 6)], ['gossamer', 'bench', 'log', 'abcdef0123456789.0.' + (i >> 6), []])); await done(t2) }
  } else {
    const tx = db.transaction('s', 'readwrite'); tx.objectStore('s').put(data, 'gossamer\0bench\0log\0abcdef0123456789.0.' + (i >> 6) + '\0' + String(i).padStart(10, '0')); await done(tx)
  }
}
const c = process.cpuUsage(c0); const w = performance.now() - w0
console.log(mode, 'wall µs/op', (w * 1000 / N).toFixed(1), 'cpu µs/op', ((c.user + c.system) / N).toFixed(1))
