import { deriveRoomKeys, memoryStorage, sealedStorage } from '@gossamer/core'
import { runStorageConformance } from '../src/conformance/storage.js'
import { runStorageCrashProperty } from '../src/conformance/storage-crash.js'

// The reference implementation runs every storage suite first; each adapter package runs them from its own tests.
runStorageConformance('memoryStorage', async () => memoryStorage())

runStorageCrashProperty('memoryStorage', async () => {
  const disk = memoryStorage()
  return { open: async () => disk }
})

// Encryption at rest (a room's `encryptStorage`): the same suites with every value sealed under a room's storage key.
const keys = await deriveRoomKeys({ room: 'crash', secret: 'q3JxVbq8m2JrQ5fTn0sYl7cE1dH4kP9wZ6uA2bX8vN0' })

runStorageConformance('sealedStorage over memoryStorage', async () => sealedStorage(memoryStorage(), { keys }))

runStorageCrashProperty(
  'sealedStorage over memoryStorage',
  async () => {
    const disk = memoryStorage()
    return { open: async () => sealedStorage(disk, { keys }) }
  },
  { seeds: [1000, 1001, 1002, 1003] },
)
