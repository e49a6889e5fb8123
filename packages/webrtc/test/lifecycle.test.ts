/** stop() releases everything: connections, sockets and timers. Runs only inside a network namespace. */
import type { TransportEvents } from '@gossamer/core'
import { waitFor, waitForEvent } from '@gossamer/testing'
import { describe, expect, it } from 'vitest'
import { signalingServer, startPeer, stopPeers } from './support/peers.js'

const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length

describe('webrtc: lifecycle', () => {
  it('stop() closes every connection and socket and leaves no timer behind', async () => {
    const server = await signalingServer()
    const baseline = timers()
    const signal = AbortSignal.timeout(8000)
    const [a, b] = await Promise.all([startPeer([server.url]), startPeer([server.url])])
    a.transport.join('lifecycle-room')
    b.transport.join('lifecycle-room')
    const opened = waitForEvent<TransportEvents, 'connection:open'>(b.transport, 'connection:open', { signal })
    const ab = await a.transport.dial(b.id, { signal })
    await opened
    ab.send(new Uint8Array(100_000))
    const pending = a.transport.dial(`nobody-${Date.now()}`, { signal: AbortSignal.timeout(8000) }).catch((e: unknown) => e)
    await stopPeers([a, b])
    expect(await pending).toMatchObject({ name: expect.stringMatching(/AbortError|TransportError/) })
    expect(a.transport.connections()).toEqual([])
    expect(b.transport.connections()).toEqual([])
    expect(a.transport.signalingReady()).toBe(false)
    await expect(a.transport.dial(b.id)).rejects.toMatchObject({ name: 'TransportError' })
    await waitFor(() => server.stats().connections === 0, { signal, description: 'the signaling sockets to close' })
    // The signaling server's own timers and waitFor's are the only ones left.
    await waitFor(() => timers() <= baseline + 1, { signal, description: `timers back to ${baseline} (now ${timers()})` })
    await server.close()
  })

  it('a transport aborted through its start signal stops like stop()', async () => {
    const server = await signalingServer()
    const signal = AbortSignal.timeout(8000)
    const [a, b] = await Promise.all([startPeer([server.url]), startPeer([server.url])])
    const opened = waitForEvent<TransportEvents, 'connection:open'>(b.transport, 'connection:open', { signal })
    const ab = await a.transport.dial(b.id, { signal })
    const { connection: ba } = await opened
    let remoteClosed = 0
    ba.on('close', () => remoteClosed++)
    a.controller.abort()
    expect(ab.closed).toBe(true)
    await waitFor(() => remoteClosed === 1, { signal, description: 'the remote end to close' })
    await a.transport.stop()
    expect(a.transport.connections()).toEqual([])
    await stopPeers([a, b])
    await server.close()
  })
})
