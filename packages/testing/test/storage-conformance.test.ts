import 'fake-indexeddb/auto'
import { memoryStorage } from '@gossamer/core'
import { indexeddb } from '@gossamer/storage-idb'
import { runStorageConformance } from '../src/conformance/storage.js'

runStorageConformance('memoryStorage', async () => memoryStorage())

let databases = 0
runStorageConformance('indexeddb (fake-indexeddb)', async () =>
  indexeddb({ dbName: `gossamer-conformance-${process.pid}-${++databases}` }),
)
