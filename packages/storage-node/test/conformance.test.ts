/**
 * The shared storage suites of @gossamer/testing against `sqlite()` on real database files:
 * conformance, and the crash property of a DocStore on it (each restart opens the file anew).
 */
import { runStorageConformance, runStorageCrashProperty } from '@gossamer/testing/conformance'
import { deriveRoomKeys, sealedStorage } from '@gossamer/core'
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

// Encryption at rest: every value sealed under a room's storage key, on the same database files.
const keys = await deriveRoomKeys({ room: 'crash', secret: 'q3JxVbq8m2JrQ5fTn0sYl7cE1dH4kP9wZ6uA2bX8vN0' })

runStorageConformance('sealedStorage over sqlite', async () => sealedStorage(sqlite({ path: await freshPath() }), { keys }))

runStorageCrashProperty(
  'sealedStorage over sqlite',
  async () => {
    const path = await freshPath()
    return { open: async () => sealedStorage(sqlite({ path, durability: 'normal' }), { keys }) }
  },
  { seeds: [1000, 1001] },
)
