/**
 * @packageDocumentation
 * The conformance suites, as `@gossamer/testing/conformance`: one per seam, run by every
 * implementation from inside a vitest test file. They import vitest, so they live apart
 * from the main entry, which loads without it (and from `require`).
 *
 * @example
 * ```ts
 * import { memoryNetwork } from '@gossamer/core'
 * import { runTransportConformance } from '@gossamer/testing/conformance'
 *
 * runTransportConformance('memory', async (n) => {
 *   const network = memoryNetwork(), controller = new AbortController()
 *   const peerIds = Array.from({ length: n }, (_, i) => `peer-${i}`)
 *   const transports = peerIds.map(() => network.transport())
 *   await Promise.all(transports.map((t, i) => t.start({ peerId: peerIds[i]!, signal: controller.signal })))
 *   return { transports, peerIds, cleanup: async () => controller.abort() }
 * })
 * ```
 */
export { runTransportConformance } from './conformance/transport.js'
export type { TransportHarness, TransportConformanceOptions } from './conformance/transport.js'
export { runStorageConformance } from './conformance/storage.js'
export type { StorageConformanceOptions } from './conformance/storage.js'
export { runStorageCrashProperty } from './conformance/storage-crash.js'
export type { CrashDisk, StorageCrashPropertyOptions } from './conformance/storage-crash.js'
export { runSignalingConformance } from './conformance/signaling.js'
export type { SignalingEndpoint, SignalingHarness, SignalingConformanceOptions } from './conformance/signaling.js'
