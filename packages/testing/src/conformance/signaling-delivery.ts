/**
 * Signaling conformance, delivery: a signal reaches exactly its addressee, once, with
 * identical bytes; every pair in both directions; bursts; `send()` copies; a throwing
 * listener does not stop the others.
 */
import type { SignalPathEvents } from '@gossamer/core'
import { expect, it } from 'vitest'
import { patternBytes } from '../pattern.js'
import { waitFor, waitForEvent } from '../wait.js'
import { text } from './bytes.js'
import { barrier, expectSignals, received, type SignalingSuite } from './signaling-case.js'

/** Registers the delivery cases. Call inside the suite's `describe`. */
export function signalingDeliveryCases({ withEndpoints, testTimeout, pick, ordered }: SignalingSuite): void {
  it('a signal reaches exactly its addressee, once, with the sender id and identical bytes (every byte value; at the size limit)', withEndpoints(3, async (c) => {
    const [a, b, z] = [pick(c, 0), pick(c, 1), pick(c, 2)]
    expect(Number.isInteger(a.path.maxSignalBytes) && a.path.maxSignalBytes >= 1024).toBe(true)
    const every = Uint8Array.from({ length: 256 }, (_, i) => i)
    const payloads = [every, patternBytes(z.path.maxSignalBytes, 7), new Uint8Array(0), Uint8Array.of(0)]
    for (const payload of payloads) expect(a.path.send(z.peerId, payload)).toBe(true)
    await waitFor(() => received(c, z).length >= payloads.length, { signal: c.signal, description: 'every signal at the addressee' })
    await barrier(c, a)
    expectSignals(received(c, z), a.peerId, payloads, ordered)
    expect(received(c, a)).toEqual([])
    expect(received(c, b)).toEqual([])
    for (const e of c.endpoints) expect(e.undelivered).toEqual([])
  }), testTimeout)
  it('every pair, both directions: each signal reaches its addressee and nobody else', withEndpoints(4, async (c) => {
    for (const from of c.endpoints) {
      for (const to of c.endpoints) if (from !== to) expect(from.path.send(to.peerId, text(`${from.index}>${to.index}`))).toBe(true)
    }
    for (const e of c.endpoints) {
      await waitFor(() => received(c, e).length >= c.endpoints.length - 1, { signal: c.signal, description: `every signal at endpoint ${e.index}` })
    }
    for (const from of c.endpoints) await barrier(c, from)
    for (const e of c.endpoints) {
      const got = received(c, e).map((s) => `${s.from} ${new TextDecoder().decode(s.data)}`)
      const want = c.endpoints.filter((o) => o !== e).map((o) => `${o.peerId} ${o.index}>${e.index}`)
      expect(got.sort()).toEqual(want.sort())
    }
  }), testTimeout)
  it(`a burst of signals from one sender to one receiver arrives whole${ordered ? ' and in order' : ''}, both ways at once`, withEndpoints(3, async (c) => {
    const [a, z] = [pick(c, 0), pick(c, 2)]
    const burst = (seed: number): Uint8Array[] => Array.from({ length: 40 }, (_, i) => patternBytes(1 + ((i * 997) % 3000), seed + i))
    const aToZ = burst(1000)
    const zToA = burst(2000)
    for (let i = 0; i < aToZ.length; i++) {
      expect(a.path.send(z.peerId, aToZ[i] as Uint8Array)).toBe(true)
      expect(z.path.send(a.peerId, zToA[i] as Uint8Array)).toBe(true)
    }
    await waitFor(() => received(c, z).length >= aToZ.length && received(c, a).length >= zToA.length, { signal: c.signal, description: 'both bursts' })
    await barrier(c, a)
    await barrier(c, z)
    expectSignals(received(c, z), a.peerId, aToZ, ordered)
    expectSignals(received(c, a), z.peerId, zToA, ordered)
    expect(received(c, pick(c, 1))).toEqual([])
  }), testTimeout)
  it('send() copies the payload: the buffer can be reused at once', withEndpoints(2, async (c) => {
    const [a, z] = [pick(c, 0), pick(c, 1)]
    const buffer = Uint8Array.of(1, 2, 3, 4)
    expect(a.path.send(z.peerId, buffer)).toBe(true)
    buffer.fill(9)
    await waitFor(() => received(c, z).length > 0, { signal: c.signal, description: 'the signal' })
    expect([...(received(c, z)[0]?.data ?? [])]).toEqual([1, 2, 3, 4])
  }), testTimeout)
  it('a listener that throws does not stop delivery to the other listeners', withEndpoints(2, async (c) => {
    const [a, z] = [pick(c, 0), pick(c, 1)]
    const off = z.path.on('signal', () => {
      throw new Error('conformance: a failing listener')
    })
    try {
      const next = waitForEvent<SignalPathEvents, 'signal'>(z.path, 'signal', { signal: c.signal, filter: (s) => s.from === a.peerId })
      expect(a.path.send(z.peerId, text('still delivered'))).toBe(true)
      expect(new TextDecoder().decode((await next).data)).toBe('still delivered')
      await barrier(c, a)
    } finally {
      off()
    }
  }), testTimeout)
}
