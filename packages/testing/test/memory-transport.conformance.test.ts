import { type MemoryNetworkInit, memoryNetwork } from '@gossamer/core'
import { type TransportHarness, runTransportConformance } from '../src/conformance.js'

/** `peerCount` started memory transports on a fresh network. */
function memoryHarness(init?: MemoryNetworkInit): (peerCount: number) => Promise<TransportHarness> {
  return async (peerCount) => {
    const network = memoryNetwork(init)
    const controllers = Array.from({ length: peerCount }, () => new AbortController())
    const peerIds = Array.from({ length: peerCount }, (_, i) => `memory-${i}`)
    const transports = peerIds.map(() => network.transport())
    await Promise.all(
      transports.map((transport, i) =>
        transport.start({ peerId: peerIds[i] as string, signal: (controllers[i] as AbortController).signal }),
      ),
    )
    return {
      transports,
      peerIds,
      async cleanup() {
        await Promise.all(transports.map((transport) => transport.stop()))
        for (const controller of controllers) controller.abort()
      },
    }
  }
}

// Default options: microtask delivery, and the default 3 s dial timeout.
runTransportConformance('memory (defaults, microtask delivery)', memoryHarness(), { timeoutMs: 8000, rediscover: true })

runTransportConformance(
  'memory (latency 1-5 ms, real clock)',
  memoryHarness({ latency: { min: 1, max: 5 }, dialTimeoutMs: 500 }),
  { rediscover: true },
)
