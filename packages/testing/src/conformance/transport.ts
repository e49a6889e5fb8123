/**
 * The transport conformance suite. Every {@link Transport} runs it, the in-memory one first.
 * It covers topologies (hub-and-spoke, all-to-all) in both directions, ordering and binary
 * integrity, discovery, close semantics, reconnection, dial failures and stop.
 * Tests wait on events with deadlines, never on sleeps.
 */
import { patternBytes } from '../pattern.js'
import type { Connection, PeerId, Transport, TransportEvents } from '@gossamer/core'
import { describe, expect, it } from 'vitest'
import { waitFor, waitForEvent } from '../wait.js'

/** What a transport implementation hands to {@link runTransportConformance}. */
export interface TransportHarness {
  /** Started transports, one per peer. */
  transports: Transport[]
  /** The peer id each transport was started with (same order). */
  peerIds: string[]
  /** Stops everything the harness made. Called after every case, even a failed one. */
  cleanup(): Promise<void>
}

/** Options of {@link runTransportConformance}. */
export interface TransportConformanceOptions {
  /** Deadline of each case, in ms. Default 5000. */
  timeoutMs?: number
  /**
   * Whether the remote end of a connection gets `close` when the other peer's transport
   * stops. Default true; set false for transports that cannot notify.
   */
  stopNotifiesRemote?: boolean
}

interface Peer {
  id: PeerId
  transport: Transport
}

interface Case {
  peers: Peer[]
  /** The case's deadline. */
  signal: AbortSignal
}

/** Everything one end saw, recorded from the moment it was handed over. */
interface Recording {
  messages: Uint8Array[]
  closes: number
  /** Messages that arrived after this end emitted `close` (must stay 0). */
  afterClose: number
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const str = (data: Uint8Array): string => new TextDecoder().decode(data)

function record(connection: Connection): Recording {
  const rec: Recording = { messages: [], closes: 0, afterClose: 0 }
  connection.on('message', ({ data }) => {
    if (rec.closes > 0) rec.afterClose++
    rec.messages.push(data)
  })
  connection.on('close', () => rec.closes++)
  return rec
}

/** Dials `to` from `from`; resolves with [dialer end, acceptor end]. */
async function connect(from: Peer, to: Peer, signal: AbortSignal): Promise<[Connection, Connection]> {
  const [dialer, opened] = await Promise.all([
    from.transport.dial(to.id, { signal }),
    waitForEvent<TransportEvents, 'connection:open'>(to.transport, 'connection:open', {
      signal,
      filter: ({ connection }) => connection.remotePeerId === from.id && !connection.closed,
    }),
  ])
  return [dialer, opened.connection]
}

async function received(rec: Recording, count: number, signal: AbortSignal, what: string): Promise<void> {
  await waitFor(() => rec.messages.length >= count, { signal, description: what })
}

async function closed(rec: Recording, signal: AbortSignal, what: string): Promise<void> {
  await waitFor(() => rec.closes > 0, { signal, description: `close of ${what}` })
}

/** Sends one message each way on a fresh connection and waits for both. */
async function roundTrip(a: Peer, b: Peer, signal: AbortSignal): Promise<void> {
  const [ab, ba] = await connect(a, b, signal)
  const atA = record(ab)
  const atB = record(ba)
  ab.send(text('ping'))
  ba.send(text('pong'))
  await received(atB, 1, signal, `ping at ${b.id}`)
  await received(atA, 1, signal, `pong at ${a.id}`)
  expect(str(atB.messages[0] ?? new Uint8Array())).toBe('ping')
  expect(str(atA.messages[0] ?? new Uint8Array())).toBe('pong')
  ab.close()
}


/** Index of the first differing byte, or -1 when equal (works without Node's Buffer). */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.max(a.byteLength, b.byteLength)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i
  return -1
}

/**
 * Registers the transport conformance suite with vitest. `createHarness(n)` must return
 * `n` started transports and their peer ids; the suite joins topics, dials and sends.
 *
 * @example
 * ```ts
 * runTransportConformance('memory', async (n) => {
 *   const network = memoryNetwork(), controller = new AbortController()
 *   const peerIds = Array.from({ length: n }, (_, i) => `peer-${i}`)
 *   const transports = peerIds.map(() => network.transport())
 *   await Promise.all(transports.map((t, i) => t.start({ peerId: peerIds[i]!, signal: controller.signal })))
 *   return { transports, peerIds, cleanup: async () => controller.abort() }
 * })
 * ```
 */
export function runTransportConformance(
  name: string,
  createHarness: (peerCount: number) => Promise<TransportHarness>,
  options: TransportConformanceOptions = {},
): void {
  const timeoutMs = options.timeoutMs ?? 5000
  const stopNotifiesRemote = options.stopNotifiesRemote ?? true

  /** A test body with `peerCount` fresh peers and a deadline; the harness is always cleaned up. */
  const withPeers =
    (peerCount: number, body: (c: Case) => Promise<void>) =>
    async (): Promise<void> => {
      const harness = await createHarness(peerCount)
      try {
        expect(harness.transports).toHaveLength(peerCount)
        expect(harness.peerIds).toHaveLength(peerCount)
        const peers = harness.transports.map((transport, i) => ({ transport, id: harness.peerIds[i] as PeerId }))
        await body({ peers, signal: AbortSignal.timeout(timeoutMs) })
      } finally {
        await harness.cleanup()
      }
    }
  const testTimeout = timeoutMs + 2000
  const pick = (c: Case, i: number): Peer => {
    const peer = c.peers[i]
    if (peer === undefined) throw new Error(`the harness has no peer ${i}`)
    return peer
  }

  describe(`${name}: transport conformance`, () => {
    it('hub-and-spoke: the hub dials every spoke, every spoke dials the hub, messages flow both ways', withPeers(5, async (c) => {
      const [hub, ...spokes] = c.peers as [Peer, ...Peer[]]
      const links: Array<{ from: Peer; to: Peer; ends: [Connection, Connection] }> = []
      for (const spoke of spokes) links.push({ from: hub, to: spoke, ends: await connect(hub, spoke, c.signal) })
      for (const spoke of spokes) links.push({ from: spoke, to: hub, ends: await connect(spoke, hub, c.signal) })
      const recordings = links.map(({ from, to, ends: [dialer, acceptor] }) => {
        expect(dialer.remotePeerId).toBe(to.id)
        expect(acceptor.remotePeerId).toBe(from.id)
        return { dialer: record(dialer), acceptor: record(acceptor) }
      })
      for (const { from, to, ends: [dialer, acceptor] } of links) {
        dialer.send(text(`${from.id}>${to.id}`))
        acceptor.send(text(`${to.id}>${from.id}`))
      }
      for (const [i, { from, to }] of links.entries()) {
        const rec = recordings[i]
        if (rec === undefined) throw new Error('unreachable')
        await received(rec.acceptor, 1, c.signal, `message at ${to.id} from ${from.id}`)
        await received(rec.dialer, 1, c.signal, `message at ${from.id} from ${to.id}`)
        expect(rec.acceptor.messages.map(str)).toEqual([`${from.id}>${to.id}`])
        expect(rec.dialer.messages.map(str)).toEqual([`${to.id}>${from.id}`])
      }
    }), testTimeout)

    it('all-to-all: every pair of 5 peers connects and exchanges messages both ways', withPeers(5, async (c) => {
      const inbox = new Map<PeerId, Recording[]>(c.peers.map((p) => [p.id, []]))
      const sends: Array<() => void> = []
      for (const [i, a] of c.peers.entries()) {
        for (const b of c.peers.slice(i + 1)) {
          const [ab, ba] = await connect(a, b, c.signal)
          inbox.get(a.id)?.push(record(ab))
          inbox.get(b.id)?.push(record(ba))
          sends.push(() => ab.send(text(`${a.id}>${b.id}`)), () => ba.send(text(`${b.id}>${a.id}`)))
        }
      }
      for (const send of sends) send()
      const all = (id: PeerId): string[] => (inbox.get(id) ?? []).flatMap((r) => r.messages.map(str))
      for (const peer of c.peers) {
        await waitFor(() => all(peer.id).length >= c.peers.length - 1, { signal: c.signal, description: `messages at ${peer.id}` })
        const expected = c.peers.filter((p) => p !== peer).map((p) => `${p.id}>${peer.id}`)
        expect(all(peer.id).sort()).toEqual(expected.sort())
      }
    }), testTimeout)

    it('keeps order and binary content, including a 100 KiB and an empty message', withPeers(2, async (c) => {
      const [ab, ba] = await connect(pick(c, 0), pick(c, 1), c.signal)
      const atA = record(ab)
      const atB = record(ba)
      const payloads: Uint8Array[] = [new Uint8Array(0), patternBytes(100 * 1024, 1), new Uint8Array([0, 255, 0])]
      for (let i = 0; i < 100; i++) payloads.push(patternBytes(1 + ((i * 37) % 300), i + 2))
      payloads.push(new Uint8Array(0), patternBytes(64 * 1024 + 3, 999))
      for (const payload of payloads) {
        ab.send(payload)
        ba.send(payload)
      }
      await received(atB, payloads.length, c.signal, 'every message a sent')
      await received(atA, payloads.length, c.signal, 'every message b sent')
      for (const rec of [atA, atB]) {
        expect(rec.messages).toHaveLength(payloads.length)
        rec.messages.forEach((data, i) => {
          const want = payloads[i] as Uint8Array
          expect(data).toBeInstanceOf(Uint8Array)
          expect(data.byteLength).toBe(want.byteLength)
          expect(firstDifference(data, want)).toBe(-1)
        })
      }
    }), testTimeout)

    it('a buffer can be reused right after send(), and the receiver cannot alias it', withPeers(2, async (c) => {
      const [ab, ba] = await connect(pick(c, 0), pick(c, 1), c.signal)
      const atB = record(ba)
      const buffer = new Uint8Array([1, 2, 3, 4])
      ab.send(buffer)
      buffer.fill(9)
      await received(atB, 1, c.signal, 'the message')
      expect([...(atB.messages[0] ?? [])]).toEqual([1, 2, 3, 4])
      atB.messages[0]?.fill(0)
      expect([...buffer]).toEqual([9, 9, 9, 9])
    }), testTimeout)

    it('discovery: peers of a topic discover each other, never peers of another topic', withPeers(5, async (c) => {
      const suffix = globalThis.crypto.randomUUID()
      const topicA = `conformance-a-${suffix}`
      const topicB = `conformance-b-${suffix}`
      const plan: Array<[Peer, string]> = [
        [pick(c, 3), topicB],
        [pick(c, 0), topicA],
        [pick(c, 1), topicA],
        [pick(c, 2), topicA],
        [pick(c, 4), topicB],
      ]
      const topicOf = new Map(plan.map(([p, t]) => [p.id, t]))
      const seen = new Map<PeerId, Array<{ peerId: PeerId; topic: string }>>()
      for (const peer of c.peers) {
        const events: Array<{ peerId: PeerId; topic: string }> = []
        seen.set(peer.id, events)
        peer.transport.on('peer:discover', (event) => events.push({ peerId: event.peerId, topic: event.topic }))
      }
      for (const [peer, topic] of plan) peer.transport.join(topic)
      const found = (a: PeerId, b: PeerId): boolean => (seen.get(a) ?? []).some((e) => e.peerId === b)
      const pairs: Array<[PeerId, PeerId]> = []
      for (const [i, [a, ta]] of plan.entries()) {
        for (const [b, tb] of plan.slice(i + 1)) if (ta === tb) pairs.push([a.id, b.id])
      }
      await waitFor(() => pairs.every(([a, b]) => found(a, b) || found(b, a)), {
        signal: c.signal,
        description: 'every pair of a topic to be discovered',
      })
      for (const [peerId, events] of seen) {
        for (const event of events) {
          expect(event.peerId).not.toBe(peerId)
          if (event.topic !== topicA && event.topic !== topicB) continue // not ours (a shared backend)
          expect(event.topic).toBe(topicOf.get(peerId))
          if (topicOf.has(event.peerId)) expect(topicOf.get(event.peerId)).toBe(event.topic)
        }
      }
      for (const [peer, topic] of plan) peer.transport.leave(topic)
    }), testTimeout)

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

    for (const side of ['dialer', 'acceptor'] as const) {
      it(`no delivery after close (closed by the ${side}); the remote end gets close`, withPeers(2, async (c) => {
        const a = pick(c, 0)
        const b = pick(c, 1)
        const [dialer, acceptor] = await connect(a, b, c.signal)
        const [closer, remote] = side === 'dialer' ? [dialer, acceptor] : [acceptor, dialer]
        const atCloser = record(closer)
        const atRemote = record(remote)
        closer.send(text('before'))
        remote.send(text('before'))
        await received(atRemote, 1, c.signal, 'the first message at the remote end')
        await received(atCloser, 1, c.signal, 'the first message at the closing end')
        const burst = Array.from({ length: 20 }, (_, i) => `burst-${i}`)
        for (const m of burst) closer.send(text(m))
        closer.close('conformance')
        expect(closer.closed).toBe(true)
        for (const m of burst) remote.send(text(m)) // racing the close: must not reach the closed end
        await closed(atCloser, c.signal, 'the closing end')
        await closed(atRemote, c.signal, 'the remote end')
        expect(remote.closed).toBe(true)
        expect(() => closer.send(text('after'))).not.toThrow()
        expect(() => remote.send(text('after'))).not.toThrow()
        closer.close()
        remote.close()
        await roundTrip(a, b, c.signal) // a barrier: anything still in flight had its chance
        expect(atCloser.afterClose).toBe(0)
        expect(atRemote.afterClose).toBe(0)
        expect(atCloser.closes).toBe(1)
        expect(atRemote.closes).toBe(1)
        // What reached the remote end is an in-order prefix of what was sent.
        const got = atRemote.messages.map(str).slice(1)
        expect(got).toEqual(burst.slice(0, got.length))
      }), testTimeout)
    }

    it('reconnects after close: a new dial works and delivers both ways', withPeers(2, async (c) => {
      const a = pick(c, 0)
      const b = pick(c, 1)
      const [first, firstRemote] = await connect(a, b, c.signal)
      const atFirstRemote = record(firstRemote)
      first.close()
      await closed(atFirstRemote, c.signal, 'the first connection')
      await roundTrip(a, b, c.signal)
      await roundTrip(b, a, c.signal)
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

    it('stop() closes every connection of the transport and is idempotent', withPeers(3, async (c) => {
      const [a, b, d] = [pick(c, 0), pick(c, 1), pick(c, 2)]
      const [ab, ba] = await connect(a, b, c.signal)
      const [da, ad] = await connect(d, a, c.signal)
      const local = [record(ab), record(ad)]
      const remote = [record(ba), record(da)]
      await a.transport.stop()
      await a.transport.stop()
      expect(ab.closed).toBe(true)
      expect(ad.closed).toBe(true)
      for (const rec of local) await closed(rec, c.signal, `an end of the stopped peer`)
      if (stopNotifiesRemote) {
        for (const rec of remote) await closed(rec, c.signal, `a remote end of the stopped peer`)
        expect(ba.closed && da.closed).toBe(true)
      }
      for (const end of [ab, ad, ba, da]) expect(() => end.send(text('after stop'))).not.toThrow()
      await expect(a.transport.dial(b.id, { signal: c.signal })).rejects.toBeInstanceOf(Error)
      expect([...local, ...remote].every((r) => r.afterClose === 0)).toBe(true)
    }), testTimeout)

    it('send() after close never throws, whatever the payload', withPeers(2, async (c) => {
      const [ab, ba] = await connect(pick(c, 0), pick(c, 1), c.signal)
      const atB = record(ba)
      ab.close()
      await closed(atB, c.signal, 'the remote end')
      for (const end of [ab, ba]) {
        for (const payload of [new Uint8Array(0), new Uint8Array(1), patternBytes(70_000, 3)]) {
          expect(() => end.send(payload)).not.toThrow()
        }
        expect(() => end.close()).not.toThrow()
      }
    }), testTimeout)
  })
}
