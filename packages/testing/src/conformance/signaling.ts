/**
 * The signaling conformance suite. Every {@link SignalPath} runs it: the room's mesh relay
 * (rooms on the memory network) and `@gossamer/webrtc`'s signaling-server client. It covers
 * addressed delivery (exactly the addressee, once, the sender's id, identical bytes, every
 * byte value, a payload at the size limit), every pair in both directions, bursts, unknown
 * peers, oversized payloads and stop. Tests wait on events with deadlines, never on sleeps.
 * The cases live in one file per topic (signaling-delivery, signaling-refusals; their
 * shared helpers, barriers included, in signaling-case); this file holds the harness
 * contract and registers them.
 */
import type { PeerId, SignalPath } from '@gossamer/core'
import { describe, expect } from 'vitest'
import type { Endpoint, SignalingCase, SignalingSuite } from './signaling-case.js'
import { signalingDeliveryCases } from './signaling-delivery.js'
import { signalingRefusalCases } from './signaling-refusals.js'

/** One started signaling endpoint of a {@link SignalingHarness}. */
export interface SignalingEndpoint {
  /** The id other endpoints address it by. */
  peerId: PeerId
  /** Its signal path, started and able to reach every other endpoint of the harness. */
  path: SignalPath
  /** Stops this endpoint (the room closes, the client stops). The suite may call it twice. */
  stop(): Promise<void>
}

/** What a signal path implementation hands to {@link runSignalingConformance}. */
export interface SignalingHarness {
  /**
   * Started endpoints that reach each other. The suite stops only the last one, and the
   * others must still reach each other afterwards (in a chain, put it at an end).
   */
  endpoints: SignalingEndpoint[]
  /** Stops everything the harness made. Called after every case, even a failed one. */
  cleanup(): Promise<void>
}

/** Options of {@link runSignalingConformance}. */
export interface SignalingConformanceOptions {
  /** Deadline of each case, in ms. Default 5000. */
  timeoutMs?: number
  /**
   * The path keeps the signals of one sender to one receiver in order, so the suite asserts
   * it. Default false: the seam promises no order, and the suite then compares what arrived
   * as a set (still exactly once each).
   */
  ordered?: boolean
  /**
   * The path learns when nobody has the addressee, and reports it with
   * `signal:undelivered` (unless `send` already returned false). Default false.
   */
  reportsUndelivered?: boolean
}

/**
 * Registers the signaling conformance suite with vitest. `createHarness(n)` must return `n`
 * started endpoints that reach each other.
 *
 * @example
 * ```ts
 * runSignalingConformance('server client', async (n) => {
 *   const endpoints = Array.from({ length: n }, (_, i) => {
 *     const path = serverSignals({ urls: [server.url], peerId: `p${i}`, WebSocket })
 *     return { peerId: `p${i}`, path, stop: async () => path.stop() }
 *   })
 *   await waitFor(() => endpoints.every((e) => e.path.ready))
 *   return { endpoints, cleanup: async () => endpoints.forEach((e) => e.path.stop()) }
 * }, { ordered: true, reportsUndelivered: true })
 * ```
 */
export function runSignalingConformance(
  name: string,
  createHarness: (endpointCount: number) => Promise<SignalingHarness>,
  options: SignalingConformanceOptions = {},
): void {
  const timeoutMs = options.timeoutMs ?? 5000
  const ordered = options.ordered ?? false
  const reportsUndelivered = options.reportsUndelivered ?? false

  /** A test body with `count` fresh endpoints and a deadline; the harness is always cleaned up. */
  const withEndpoints =
    (count: number, body: (c: SignalingCase) => Promise<void>) =>
    async (): Promise<void> => {
      const harness = await createHarness(count)
      try {
        expect(harness.endpoints).toHaveLength(count)
        const endpoints = harness.endpoints.map((given, index) => {
          const e: Endpoint = { ...given, index, signals: [], undelivered: [], afterStop: 0, stopped: false }
          e.stop = async () => {
            e.stopped = true
            await given.stop()
          }
          given.path.on('signal', (s) => {
            if (e.stopped) e.afterStop++
            e.signals.push(s)
          })
          given.path.on('signal:undelivered', (u) => e.undelivered.push(u))
          return e
        })
        expect(new Set(endpoints.map((e) => e.peerId)).size).toBe(count)
        const magic = globalThis.crypto.getRandomValues(new Uint8Array(16))
        await body({ endpoints, signal: AbortSignal.timeout(timeoutMs), magic })
        for (const e of endpoints) expect(e.afterStop, `signals at endpoint ${e.index} after it stopped`).toBe(0)
      } finally {
        await harness.cleanup()
      }
    }
  const testTimeout = 2 * timeoutMs + 2000
  const pick = (c: SignalingCase, i: number): Endpoint => {
    const e = c.endpoints[i]
    if (e === undefined) throw new Error(`the harness has no endpoint ${i}`)
    return e
  }

  const suite: SignalingSuite = { withEndpoints, testTimeout, pick, ordered, reportsUndelivered }
  describe(`${name}: signaling conformance`, () => {
    signalingDeliveryCases(suite)
    signalingRefusalCases(suite)
  })
}
