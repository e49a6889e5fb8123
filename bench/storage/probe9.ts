import 'fake-indexeddb/auto'
import * as Y from 'yjs'
import { DocStore, systemClock, systemRandom } from '@gossamer/core'
import { indexeddb } from '@gossamer/storage-idb'
import { typist } from './common.js'
const doc = new Y.Doc(); const store = new DocStore({ adapter: indexeddb({ dbName: 'p9g' }), room: 'b', random: systemRandom(), clock: systemClock(), locks: null }); await store.load(doc, store)
doc.on('update', (u: Uint8Array, o: unknown) => { if (o !== store) store.append(u, { fromDoc: true }) }); const t = typist(doc, 1)
const N = Number(process.argv[2] ?? 30000)
for (let i = 0; i < N; i++) { t.edit(); await store.flush() }
process.exit(0)
