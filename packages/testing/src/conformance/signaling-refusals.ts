/**
 * Signaling conformance, what reaches nobody: a signal to an unknown peer, an oversized
 * payload, and anything to or from a stopped endpoint.
 */
import { expect, it } from 'vitest'
import { patternBytes } from '../pattern.js'
import { waitFor } from '../wait.js'
import { text } from './bytes.js'
import { barrier, hex, received, type SignalingSuite } from './signaling-case.js'

/** Registers the unknown-peer, oversize and stop cases. Call inside the suite's `describe`. */
export function signalingRefusalCases({ withEndpoints, testTimeout, pick, reportsUndelivered }: SignalingSuite): void {
  it('a signal to a peer id nobody has reaches nobody', withEndpoints(3, async (c) => {
    const a = pick(c, 0)
    const ghost = `conformance-nobody-${globalThis.crypto.randomUUID()}`
    const payload = text('for nobody')
    const accepted = a.path.send(ghost, payload)
    if (reportsUndelivered && accepted) {
      await waitFor(() => a.undelivered.length > 0, { signal: c.signal, description: 'signal:undelivered' })
      expect(a.undelivered.map((u) => [u.to, hex(u.data)])).toEqual([[ghost, hex(payload)]])
    }
    await barrier(c, a)
    for (const e of c.endpoints) expect(received(c, e)).toEqual([])
    if (!accepted) expect(a.undelivered).toEqual([])
  }), testTimeout)
  it('an oversized payload is refused (send returns false) and reaches nobody', withEndpoints(3, async (c) => {
    const [a, z] = [pick(c, 0), pick(c, 2)]
    const max = a.path.maxSignalBytes
    expect(a.path.send(z.peerId, new Uint8Array(max + 1))).toBe(false)
    expect(a.path.send(z.peerId, patternBytes(4 * max, 3))).toBe(false)
    expect(z.path.send(a.peerId, new Uint8Array(z.path.maxSignalBytes + 1))).toBe(false)
    await barrier(c, a)
    await barrier(c, z)
    for (const e of c.endpoints) {
      expect(received(c, e)).toEqual([])
      expect(e.undelivered).toEqual([])
    }
  }), testTimeout)
  it('after an endpoint stops, it receives nothing and its send returns false; the others still reach each other', withEndpoints(3, async (c) => {
    const [a, b, z] = [pick(c, 0), pick(c, 1), pick(c, 2)]
    await barrier(c, a) // z receives while it runs
    await z.stop()
    await z.stop()
    expect(z.path.send(a.peerId, text('from the stopped one'))).toBe(false)
    expect(z.path.send(b.peerId, text('from the stopped one'))).toBe(false)
    a.path.send(z.peerId, text('to the stopped one'))
    b.path.send(z.peerId, text('to the stopped one'))
    await barrier(c, a)
    await barrier(c, b)
    for (const e of c.endpoints) expect(received(c, e)).toEqual([])
    expect(z.afterStop).toBe(0)
  }), testTimeout)
}
