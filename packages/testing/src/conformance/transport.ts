/**
 * The transport conformance suite. Every {@link Transport} runs it, the in-memory one first.
 * It covers topologies (hub-and-spoke, all-to-all) in both directions, ordering and binary
 * integrity, discovery, close semantics, reconnection, dial failures and stop, and (for
 * transports that declare it) rediscovery.
 * Tests wait on events with deadlines, never on sleeps. The cases live in one file per
 * topic (transport-topologies, -delivery, -dials, -close); this file holds the harness
 * contract and registers them.
 */
import type { PeerId, Transport } from '@gossamer/core'
import { describe, expect } from 'vitest'
import type { Peer, TransportCase, TransportSuite } from './transport-case.js'
import { transportCloseCases } from './transport-close.js'
import { transportDeliveryCases } from './transport-delivery.js'
import { transportDialCases } from './transport-dials.js'
import { transportRediscoverCases } from './transport-rediscover.js'
import { transportTopologyCases } from './transport-topologies.js'

/** What a transport implementation hands to {@link runTransportConformance}. */
export interface TransportHarness {
  /** Started transports, one per peer. */
  transports: Transport[]
  /** The peer id each transport was started with (same order). */
  peerIds: string[]
  /** Stops everything the harness made. Called after every case, even a failed one. */
  cleanup(): Promise<void>
}

/** Options of {@link runTransportConformance}. */
export interface TransportConformanceOptions {
  /** Deadline of each case, in ms. Default 5000. */
  timeoutMs?: number
  /**
   * Whether the remote end of a connection gets `close` when the other peer's transport
   * stops. Default true; set false for transports that cannot notify.
   */
  stopNotifiesRemote?: boolean
  /** Whether the transport implements the optional `rediscover` (then its case runs). Default false. */
  rediscover?: boolean
}

/**
 * Registers the transport conformance suite with vitest. `createHarness(n)` must return
 * `n` started transports and their peer ids; the suite joins topics, dials and sends.
 *
 * @example
 * ```ts
 * runTransportConformance('memory', async (n) => {
 *   const network = memoryNetwork(), controller = new AbortController()
 *   const peerIds = Array.from({ length: n }, (_, i) => `peer-${i}`)
 *   const transports = peerIds.map(() => network.transport())
 *   await Promise.all(transports.map((t, i) => t.start({ peerId: peerIds[i]!, signal: controller.signal })))
 *   return { transports, peerIds, cleanup: async () => controller.abort() }
 * })
 * ```
 */
export function runTransportConformance(
  name: string,
  createHarness: (peerCount: number) => Promise<TransportHarness>,
  options: TransportConformanceOptions = {},
): void {
  const timeoutMs = options.timeoutMs ?? 5000
  const stopNotifiesRemote = options.stopNotifiesRemote ?? true

  /** A test body with `peerCount` fresh peers and a deadline; the harness is always cleaned up. */
  const withPeers =
    (peerCount: number, body: (c: TransportCase) => Promise<void>) =>
    async (): Promise<void> => {
      const harness = await createHarness(peerCount)
      try {
        expect(harness.transports).toHaveLength(peerCount)
        expect(harness.peerIds).toHaveLength(peerCount)
        const peers = harness.transports.map((transport, i) => ({ transport, id: harness.peerIds[i] as PeerId }))
        await body({ peers, signal: AbortSignal.timeout(timeoutMs) })
      } finally {
        await harness.cleanup()
      }
    }
  const testTimeout = timeoutMs + 2000
  const pick = (c: TransportCase, i: number): Peer => {
    const peer = c.peers[i]
    if (peer === undefined) throw new Error(`the harness has no peer ${i}`)
    return peer
  }

  const suite: TransportSuite = { withPeers, testTimeout, pick, stopNotifiesRemote }
  describe(`${name}: transport conformance`, () => {
    transportTopologyCases(suite)
    transportDeliveryCases(suite)
    transportDialCases(suite)
    transportCloseCases(suite)
    if (options.rediscover === true) transportRediscoverCases(suite)
  })
}
