/**
 * What every case of the signaling conformance suite works with: its recorded endpoints
 * and deadline, barriers, and the assertion that compares what arrived with what was sent.
 *
 * "Nobody else received it" is checked after a *barrier*: the sender signals every other
 * endpoint and the suite waits until each has its barrier signal. On a path that keeps
 * order per sender→receiver pair, anything sent before the barrier has arrived by then; on
 * one that does not, the barrier travels the same routes, so a stray copy had its chance.
 */
import type { PeerId, SignalPathEvents } from '@gossamer/core'
import { expect } from 'vitest'
import { waitFor } from '../wait.js'
import { firstDifference } from './bytes.js'
import type { SignalingEndpoint } from './signaling.js'

/** An endpoint with everything it emitted since the harness was made. */
export interface Endpoint extends SignalingEndpoint {
  /** Its position in the harness. */
  index: number
  /** Every `signal` it emitted, barriers included. */
  signals: Array<SignalPathEvents['signal']>
  /** Every `signal:undelivered` it emitted. */
  undelivered: Array<SignalPathEvents['signal:undelivered']>
  /** Signals emitted after the suite stopped it (must stay 0). */
  afterStop: number
  /** True once the suite stopped it. */
  stopped: boolean
}

/** One case of the signaling suite: fresh endpoints, a deadline and the barrier marker. */
export interface SignalingCase {
  /** The harness's endpoints, recorded. */
  endpoints: Endpoint[]
  /** The case's deadline. */
  signal: AbortSignal
  /** The first 16 bytes of every barrier payload of this case. */
  magic: Uint8Array
}

/** How the per-topic files register their cases (made once by `runSignalingConformance`). */
export interface SignalingSuite {
  /** A test body with `count` fresh endpoints and a deadline; the harness is always cleaned up. */
  withEndpoints(count: number, body: (c: SignalingCase) => Promise<void>): () => Promise<void>
  /** The vitest timeout of each case, in ms. */
  testTimeout: number
  /** Endpoint `i` of a case; throws when the harness made fewer. */
  pick(c: SignalingCase, i: number): Endpoint
  /** The path keeps each sender→receiver pair's signals in order. */
  ordered: boolean
  /** The path reports `signal:undelivered` for an addressee nobody has. */
  reportsUndelivered: boolean
}

/** Lowercase hex of `data`. */
export const hex = (data: Uint8Array): string => Array.from(data, (b) => b.toString(16).padStart(2, '0')).join('')

const isBarrier = (c: SignalingCase, data: Uint8Array): boolean =>
  data.byteLength > c.magic.byteLength && firstDifference(data.subarray(0, c.magic.byteLength), c.magic) === -1

/** What `e` received, barriers left out. */
export const received = (c: SignalingCase, e: Endpoint): Array<SignalPathEvents['signal']> => e.signals.filter((s) => !isBarrier(c, s.data))

/**
 * `from` signals every other live endpoint a fresh barrier payload, and waits until each
 * has it: signals sent by `from` before it had their chance to arrive.
 */
export async function barrier(c: SignalingCase, from: Endpoint): Promise<void> {
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
export function expectSignals(got: Array<SignalPathEvents['signal']>, from: PeerId, want: Uint8Array[], ordered: boolean): void {
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
