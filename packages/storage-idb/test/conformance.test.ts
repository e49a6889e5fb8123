/**
 * The shared storage suites of @gossamer/testing, run against `indexeddb()` under
 * fake-indexeddb (a fresh database per adapter): conformance, and the crash property of a
 * DocStore on it.
 */
import 'fake-indexeddb/auto'
import { runStorageConformance, runStorageCrashProperty } from '@gossamer/testing/conformance'
import { indexeddb } from '../src/index.js'

let databases = 0
const freshName = (): string => `gossamer-idb-conformance-${process.pid}-${++databases}`

runStorageConformance('indexeddb (fake-indexeddb)', async () => indexeddb({ dbName: freshName() }))

runStorageCrashProperty(
  'indexeddb (fake-indexeddb)',
  async () => {
    const dbName = freshName()
    return { open: async () => indexeddb({ dbName }) }
  },
  { seeds: [1000, 1001, 1002] },
)
