/**
 * Transport conformance, rediscovery (optional `Transport.rediscover`): discovery tells a
 * joiner about the peers already there, but may tell them nothing about the joiner; asking
 * again finds the peers that joined since. Registered only for transports that declare it.
 */
import type { TransportEvents } from '@gossamer/core'
import { expect, it } from 'vitest'
import { waitForEvent } from '../wait.js'
import type { TransportSuite } from './transport-case.js'

/** Registers the rediscovery case. Call inside the suite's `describe`. */
export function transportRediscoverCases({ withPeers, testTimeout, pick }: TransportSuite): void {
  it('rediscover: a peer that joined first finds a peer that joined after it by asking again', withPeers(2, async (c) => {
    const a = pick(c, 0)
    const b = pick(c, 1)
    const topic = `conformance-rediscover-${globalThis.crypto.randomUUID()}`
    expect(typeof a.transport.rediscover).toBe('function')
    a.transport.join(topic)
    // B finds A: A is a member, and B joined after it.
    const aFound = waitForEvent<TransportEvents, 'peer:discover'>(b.transport, 'peer:discover', { signal: c.signal, filter: (e) => e.topic === topic })
    b.transport.join(topic)
    expect(await aFound).toEqual({ peerId: a.id, topic })
    const bFound = waitForEvent<TransportEvents, 'peer:discover'>(a.transport, 'peer:discover', { signal: c.signal, filter: (e) => e.topic === topic && e.peerId === b.id })
    a.transport.rediscover?.(topic)
    expect(await bFound).toEqual({ peerId: b.id, topic })
  }), testTimeout)
}
