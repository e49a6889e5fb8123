/**
 * What the WebRTC transport says when it is misused or cannot reach anything, without any
 * WebRTC connection: a refused signaling server (a closed port on 127.0.0.1) is reported as
 * unreachable, with its URL, as a typed error; a transport serves one room; a stopped
 * transport starts again. Loopback only, so it runs outside the network namespace too.
 */
import { createServer } from 'node:net'
import wrtc from '@roamhq/wrtc'
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import { createRoom, TransportInUseError, type ErrorEvent } from '@gossamer/core'
import { waitFor } from '@gossamer/testing'
import { describe, expect, it } from 'vitest'
import { SignalingUnreachableError, webrtc } from '../../src/index.js'

/** A loopback port nobody listens on: bound once, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return address.port
}

describe('webrtc: misuse and unreachable servers', () => {
  it('reports a refused signaling connection as SignalingUnreachableError, with the URL', async () => {
    const url = `ws://127.0.0.1:${await closedPort()}`
    // One attempt is enough: the next retry is a minute away.
    const transport = webrtc({ signaling: [url], wrtc, WebSocket, backoff: () => 60_000 })
    const errors: Error[] = []
    transport.on('error', ({ error }) => errors.push(error))
    const controller = new AbortController()
    await transport.start({ peerId: 'refused-peer', signal: controller.signal })
    await waitFor(() => errors.length > 0, { signal: AbortSignal.timeout(5000), description: 'the refusal to be reported' })
    const [error] = errors
    expect(error).toBeInstanceOf(SignalingUnreachableError)
    expect(error).toMatchObject({ name: 'SignalingUnreachableError', url })
    expect(error?.message).toContain(`signaling server ${url} is unreachable or refused the connection`)
    expect(error?.message).toContain('ECONNREFUSED')
    expect(error?.message).not.toContain('closed the connection')
    expect(transport.signalingReady()).toBe(false)
    await transport.stop()
    controller.abort()
  })

  it('reaches the room as an error event', async () => {
    const url = `ws://127.0.0.1:${await closedPort()}`
    const room = createRoom({ name: 'unreachable', doc: new Y.Doc(), transports: [webrtc({ signaling: [url], wrtc, WebSocket, backoff: () => 60_000 })] })
    const errors: ErrorEvent[] = []
    room.on('error', (event) => errors.push(event))
    await waitFor(() => errors.length > 0, { signal: AbortSignal.timeout(5000), description: 'the error event' })
    expect(errors[0]?.error.name).toBe('SignalingUnreachableError')
    await room.close()
  })

  it('serves one room: a second room fails at createRoom with TransportInUseError', async () => {
    const transport = webrtc({ signaling: [], wrtc, WebSocket })
    const first = createRoom({ name: 'first', doc: new Y.Doc(), transports: [transport] })
    expect(() => createRoom({ name: 'second', doc: new Y.Doc(), transports: [transport] })).toThrow(TransportInUseError)
    expect(() => createRoom({ name: 'second', doc: new Y.Doc(), transports: [transport] })).toThrow(/webrtc transport already serves room "first"/)
    await first.close()
  })

  it('starts again after stop(), and refuses to start while still stopping', async () => {
    const transport = webrtc({ signaling: [], wrtc, WebSocket })
    const first = new AbortController()
    await transport.start({ peerId: 'restart-peer', signal: first.signal })
    await expect(transport.start({ peerId: 'restart-peer', signal: first.signal })).rejects.toMatchObject({ name: 'TransportError' })
    const stopping = transport.stop()
    await expect(transport.start({ peerId: 'restart-peer', signal: new AbortController().signal })).rejects.toThrow(/still stopping/)
    await stopping
    const second = new AbortController()
    await transport.start({ peerId: 'restart-peer', signal: second.signal })
    transport.join('again')
    await expect(transport.dial('restart-peer')).rejects.toThrow(/cannot dial itself/)
    await transport.stop()
    second.abort()
  })
})
