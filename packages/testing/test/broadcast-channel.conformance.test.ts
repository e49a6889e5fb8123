import { broadcastChannel } from '@gossamer/core'
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { createRoom } from '@gossamer/core'
import { type TransportHarness, runTransportConformance } from '../src/conformance.js'
import { waitFor } from '../src/index.js'

let run = 0

/** `peerCount` started BroadcastChannel transports on a channel of their own. */
async function harness(peerCount: number): Promise<TransportHarness> {
  const channel = `conformance-${process.pid}-${++run}`
  const controllers = Array.from({ length: peerCount }, () => new AbortController())
  const peerIds = Array.from({ length: peerCount }, (_, i) => `bc-${i}`)
  const transports = peerIds.map(() => broadcastChannel({ channel, dialTimeoutMs: 300 }))
  await Promise.all(
    transports.map((transport, i) => transport.start({ peerId: peerIds[i] as string, signal: (controllers[i] as AbortController).signal })),
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

runTransportConformance('broadcastchannel', harness)

describe('broadcastchannel rooms', () => {
  it('two rooms ("tabs") sync a document over BroadcastChannel, and the admission gate refuses a full peer', async () => {
    const channel = `rooms-${process.pid}`
    const rooms = [0, 1, 2].map(() =>
      createRoom({ name: 'tabs', doc: new Y.Doc(), transports: [broadcastChannel({ channel, dialTimeoutMs: 300 })], maxNeighbours: 2, minNeighbours: 1, roundMs: 50 }),
    )
    const [a, b, c] = rooms as [(typeof rooms)[0], (typeof rooms)[0], (typeof rooms)[0]]
    a.doc.getText('t').insert(0, 'from tab a')
    await waitFor(() => b.doc.getText('t').toString() === 'from tab a' || c.doc.getText('t').toString() === 'from tab a', {
      signal: AbortSignal.timeout(5000),
    })
    for (const r of rooms) expect(r.neighbours().length).toBeLessThanOrEqual(2)
    await Promise.all(rooms.map((r) => r.close()))
  })
})
