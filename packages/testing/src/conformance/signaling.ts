/**
 * The signaling conformance suite. Every {@link SignalPath} runs it: the room's mesh relay
 * (rooms on the memory network) and `@gossamer/webrtc`'s signaling-server client. It covers
 * addressed delivery (exactly the addressee, once, the sender's id, identical bytes, every
 * byte value, a payload at the size limit), every pair in both directions, bursts, unknown
 * peers, oversized payloads and stop. Tests wait on events with deadlines, never on sleeps.
 *
 * "Nobody else received it" is checked after a *barrier*: the sender signals every other
 * endpoint and the suite waits until each has its barrier signal. On a path that keeps
 * order per sender→receiver pair, anything sent before the barrier has arrived by then; on
 * one that does not, the barrier travels the same routes, so a stray copy had its chance.
 */
import type { PeerId, SignalPath, SignalPathEvents } from '@gossamer/core'
import { describe, expect, it } from 'vitest'
import { patternBytes } from '../pattern.js'
import { waitFor, waitForEvent } from '../wait.js'

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

/** An endpoint with everything it emitted since the harness was made. */
interface Endpoint extends SignalingEndpoint {
  index: number
  signals: Array<SignalPathEvents['signal']>
  undelivered: Array<SignalPathEvents['signal:undelivered']>
  /** Signals emitted after the suite stopped it (must stay 0). */
  afterStop: number
  stopped: boolean
}

interface Case {
  endpoints: Endpoint[]
  /** The case's deadline. */
  signal: AbortSignal
  /** The first 16 bytes of every barrier payload of this case. */
  magic: Uint8Array
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const hex = (data: Uint8Array): string => Array.from(data, (b) => b.toString(16).padStart(2, '0')).join('')

/** Index of the first differing byte, or -1 when equal (works without Node's Buffer). */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.max(a.byteLength, b.byteLength)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i
  return -1
}

const isBarrier = (c: Case, data: Uint8Array): boolean => data.byteLength > c.magic.byteLength && firstDifference(data.subarray(0, c.magic.byteLength), c.magic) === -1

/** What `e` received, barriers left out. */
const received = (c: Case, e: Endpoint): Array<SignalPathEvents['signal']> => e.signals.filter((s) => !isBarrier(c, s.data))

/**
 * `from` signals every other live endpoint a fresh barrier payload, and waits until each
 * has it: signals sent by `from` before it had their chance to arrive.
 */
async function barrier(c: Case, from: Endpoint): Promise<void> {
  const marks = c.endpoints
    .filter((e) => e !== from && !e.stopped)
    .map((to) => {
      const mark = new Uint8Array(c.magic.byteLength + 8)
      mark.set(c.magic)
      globalThis.crypto.getRandomValues(mark.subarray(c.magic.byteLength))
      expect(from.path.send(to.peerId, mark), `barrier ${from.index}→${to.index} accepted`).toBe(true)
      return { to, mark }
    })
  for (const { to, mark } of marks) {
    await waitFor(() => to.signals.some((s) => s.from === from.peerId && firstDifference(s.data, mark) === -1), {
      signal: c.signal,
      description: `the barrier from endpoint ${from.index} at endpoint ${to.index}`,
    })
  }
}

/** Asserts `got` is exactly `want` from `from`: in order when `ordered`, else as a set. */
function expectSignals(got: Array<SignalPathEvents['signal']>, from: PeerId, want: Uint8Array[], ordered: boolean): void {
  expect(got.map((s) => s.from)).toEqual(want.map(() => from))
  for (const s of got) expect(s.data).toBeInstanceOf(Uint8Array)
  if (!ordered) {
    const key = (d: Uint8Array): string => `${d.byteLength}:${hex(d)}`
    expect(got.map((s) => key(s.data)).sort()).toEqual(want.map(key).sort())
    return
  }
  got.forEach((s, i) => {
    const w = want[i] as Uint8Array
    expect(s.data.byteLength, `length of signal ${i}`).toBe(w.byteLength)
    expect(firstDifference(s.data, w), `first differing byte of signal ${i}`).toBe(-1)
  })
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
    (count: number, body: (c: Case) => Promise<void>) =>
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
  const pick = (c: Case, i: number): Endpoint => {
    const e = c.endpoints[i]
    if (e === undefined) throw new Error(`the harness has no endpoint ${i}`)
    return e
  }

  describe(`${name}: signaling conformance`, () => {
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
  })
}
