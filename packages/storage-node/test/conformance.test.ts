/**
 * The shared storage suites of @gossamer/testing against `sqlite()` on real database files:
 * conformance, and the crash property of a DocStore on it (each restart opens the file anew).
 */
import { runStorageConformance, runStorageCrashProperty } from '@gossamer/testing/conformance'
import { afterAll } from 'vitest'
import { sqlite } from '../src/index.js'
import { freshPath, removeTemporaryDirs } from './support.js'

afterAll(removeTemporaryDirs)

runStorageConformance('sqlite (better-sqlite3, a file)', async () => sqlite({ path: await freshPath() }))

runStorageCrashProperty(
  'sqlite (better-sqlite3, a file)',
  async () => {
    const path = await freshPath()
    // 'normal' keeps the run short; what a crash can lose is decided by the DocStore's write order, tested here.
    return { open: async () => sqlite({ path, durability: 'normal' }) }
  },
  { seeds: [1000, 1001, 1002, 1003] },
)
