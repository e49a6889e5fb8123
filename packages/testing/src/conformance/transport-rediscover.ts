/**
 * Transport conformance, rediscovery (optional `Transport.rediscover`): discovery tells a
 * joiner about the peers already there, but may tell them nothing about the joiner; asking
 * again finds the peers that joined since. Registered only for transports that declare it.
 */
import type { PeerId, Transport, TransportEvents } from '@gossamer/core'
import { expect, it } from 'vitest'
import { waitForEvent } from '../wait.js'
import type { TransportSuite } from './transport-case.js'

/** Registers the rediscovery case. Call inside the suite's `describe`. */
export function transportRediscoverCases({ withPeers, testTimeout, pick }: TransportSuite): void {
  it('rediscover: a peer that joined first finds a peer that joined after it by asking again', withPeers(2, async (c) => {
    const peers = [pick(c, 0), pick(c, 1)] as const
    const topic = `conformance-rediscover-${globalThis.crypto.randomUUID()}`
    for (const p of peers) expect(typeof p.transport.rediscover).toBe('function')
    const finds = (finder: Transport, found: PeerId): Promise<unknown> =>
      waitForEvent<TransportEvents, 'peer:discover'>(finder, 'peer:discover', { signal: c.signal, filter: (e) => e.topic === topic && e.peerId === found })
    // Joining may take a while on either side (a transport can derive the topic it announces
    // asynchronously), so which of the two joined first is whichever the other one finds:
    // the later joiner hears of the earlier one in the answer to its join.
    const found = peers.map((p, i) => finds(p.transport, peers[1 - i]!.id).then(() => i))
    for (const f of found) f.catch(() => undefined)
    for (const p of peers) p.transport.join(topic)
    const later = peers[await Promise.race(found)]!
    const earlier = peers.find((p) => p !== later)!
    const again = waitForEvent<TransportEvents, 'peer:discover'>(earlier.transport, 'peer:discover', { signal: c.signal, filter: (e) => e.topic === topic && e.peerId === later.id })
    earlier.transport.rediscover?.(topic)
    expect(await again).toEqual({ peerId: later.id, topic })
  }), testTimeout)
}
