/**
 * Transport conformance, dials: `connection:open` on the acceptor, and dials that fail
 * (an unknown peer, an aborted signal) reject with typed errors.
 */
import type { TransportEvents } from '@gossamer/core'
import { expect, it } from 'vitest'
import { waitForEvent } from '../wait.js'
import { roundTrip, type TransportSuite } from './transport-case.js'

/** Registers the dial cases. Call inside the suite's `describe`. */
export function transportDialCases({ withPeers, testTimeout, pick }: TransportSuite): void {
  it('connection:open fires on the acceptor with the dialer as remotePeerId', withPeers(2, async (c) => {
    const a = pick(c, 0)
    const b = pick(c, 1)
    const opened = waitForEvent<TransportEvents, 'connection:open'>(b.transport, 'connection:open', {
      signal: c.signal,
    })
    const dialer = await a.transport.dial(b.id, { signal: c.signal })
    const { connection: acceptor } = await opened
    expect(acceptor.remotePeerId).toBe(a.id)
    expect(dialer.remotePeerId).toBe(b.id)
    expect(dialer.closed).toBe(false)
    expect(acceptor.closed).toBe(false)
    expect(typeof dialer.transport).toBe('string')
    expect(dialer.transport.length).toBeGreaterThan(0)
    expect(acceptor.transport).toBe(dialer.transport)
  }), testTimeout)
  it('a dial to an unknown peer rejects with a TransportError', withPeers(1, async (c) => {
    const unknown = `conformance-unknown-${globalThis.crypto.randomUUID()}`
    await expect(pick(c, 0).transport.dial(unknown, { signal: c.signal })).rejects.toMatchObject({
      name: 'TransportError',
    })
  }), testTimeout)
  it('a dial aborted by its AbortSignal rejects with an AbortError', withPeers(2, async (c) => {
    const a = pick(c, 0)
    const b = pick(c, 1)
    await expect(a.transport.dial(b.id, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' })
    for (const target of [b.id, `conformance-unknown-${globalThis.crypto.randomUUID()}`]) {
      const controller = new AbortController()
      const dial = a.transport.dial(target, { signal: controller.signal })
      controller.abort()
      await expect(dial).rejects.toMatchObject({ name: 'AbortError' })
    }
    await roundTrip(a, b, c.signal) // the transport still works
  }), testTimeout)
}
