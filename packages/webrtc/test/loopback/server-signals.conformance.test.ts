/**
 * The signaling-server client (`serverSignals()`) runs the signaling conformance suite
 * against real `@gossamer/signaling-server` instances in this process, on 127.0.0.1. It
 * needs no WebRTC, so it runs in the unit tier (loopback only), not in the network namespace.
 *
 * - One server: every endpoint on it. The server keeps a connection's messages in order, so
 *   the suite asserts order.
 * - Two servers, A and B: even endpoints on [A, B], odd ones on [B] only. A signal from an
 *   even endpoint to an odd one goes to A first, which answers `unknown-peer`, and the client
 *   tries B; a signal to a peer nobody has is refused by both and reported as undelivered.
 *   A retry may overtake, so order is not asserted.
 */
import { createSignalingServer, type SignalingServer } from '@gossamer/signaling-server'
import { waitFor } from '@gossamer/testing'
import { runSignalingConformance, type SignalingHarness } from '@gossamer/testing/conformance'
import { WebSocket } from 'ws'
import { afterAll, beforeAll } from 'vitest'
import { serverSignals, type ServerSignals } from '../../src/index.js'

let a: SignalingServer
let b: SignalingServer
beforeAll(async () => {
  // Default limits: each case opens a few connections and sends tens of messages, well
  // within the per-connection and per-source budgets.
  ;[a, b] = await Promise.all([createSignalingServer({ port: 0, logLevel: 'silent' }), createSignalingServer({ port: 0, logLevel: 'silent' })])
})
afterAll(async () => {
  await Promise.all([a.close(), b.close()])
})

let counter = 0
/** `count` clients, client i on `urlsOf(i)`, each settled (welcomed, topics joined) before the case starts. */
function harness(urlsOf: (i: number) => string[]): (count: number) => Promise<SignalingHarness> {
  return async (count) => {
    const run = `${(++counter).toString(36)}-${globalThis.crypto.randomUUID().slice(0, 8)}`
    const paths: ServerSignals[] = Array.from({ length: count }, (_, i) => serverSignals({ urls: urlsOf(i), peerId: `s${run}-${i}`, WebSocket }))
    const errors: Error[] = []
    for (const path of paths) path.on('error', ({ error }) => errors.push(error))
    const cleanup = async (): Promise<void> => {
      for (const path of paths) path.stop()
    }
    const signal = AbortSignal.timeout(5000)
    await Promise.all(paths.map((path) => path.whenSettled(5000, signal)))
    try {
      await waitFor(() => paths.every((path) => path.ready), { signal, description: 'every client ready on its servers' })
    } catch (error) {
      await cleanup()
      throw new Error(`clients not ready: ${errors.map((e) => e.message).join('; ')}`, { cause: error })
    }
    return {
      endpoints: paths.map((path, i) => ({ peerId: `s${run}-${i}`, path, stop: async () => path.stop() })),
      cleanup,
    }
  }
}

runSignalingConformance('server client (one server)', harness(() => [a.url]), { ordered: true, reportsUndelivered: true })

runSignalingConformance('server client (two servers, odd clients on the second only)', harness((i) => (i % 2 === 0 ? [a.url, b.url] : [b.url])), {
  reportsUndelivered: true,
})
