import { memoryStorage } from '@gossamer/core'
import { runStorageConformance } from '../src/conformance/storage.js'
import { runStorageCrashProperty } from '../src/conformance/storage-crash.js'

// The reference implementation runs every storage suite first; each adapter package runs them from its own tests.
runStorageConformance('memoryStorage', async () => memoryStorage())

runStorageCrashProperty('memoryStorage', async () => {
  const disk = memoryStorage()
  return { open: async () => disk }
})
