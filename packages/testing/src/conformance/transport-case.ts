/**
 * What every case of the transport conformance suite works with: its peers and deadline,
 * recordings of what a connection end saw, and the dial and wait helpers the cases share.
 */
import type { Connection, PeerId, Transport, TransportEvents } from '@gossamer/core'
import { expect } from 'vitest'
import { waitFor, waitForEvent } from '../wait.js'
import { text } from './bytes.js'

/** One started transport of a case, with the peer id it was started with. */
export interface Peer {
  /** The peer id the transport was started with. */
  id: PeerId
  /** The started transport. */
  transport: Transport
}

/** One case of the transport suite: fresh peers and a deadline. */
export interface TransportCase {
  /** The harness's transports, one per peer. */
  peers: Peer[]
  /** The case's deadline. */
  signal: AbortSignal
}

/** How the per-topic files register their cases (made once by `runTransportConformance`). */
export interface TransportSuite {
  /** A test body with `peerCount` fresh peers and a deadline; the harness is always cleaned up. */
  withPeers(peerCount: number, body: (c: TransportCase) => Promise<void>): () => Promise<void>
  /** The vitest timeout of each case, in ms. */
  testTimeout: number
  /** Peer `i` of a case; throws when the harness made fewer. */
  pick(c: TransportCase, i: number): Peer
  /** Whether the remote end of a connection gets `close` when the other peer's transport stops. */
  stopNotifiesRemote: boolean
}

/** Everything one end saw, recorded from the moment it was handed over. */
export interface Recording {
  /** Messages received, in order. */
  messages: Uint8Array[]
  /** `close` events seen (must end at 1). */
  closes: number
  /** Messages that arrived after this end emitted `close` (must stay 0). */
  afterClose: number
}

/** UTF-8 text of `data`. */
export const str = (data: Uint8Array): string => new TextDecoder().decode(data)

/** Starts recording what `connection` receives and whether it closes. */
export function record(connection: Connection): Recording {
  const rec: Recording = { messages: [], closes: 0, afterClose: 0 }
  connection.on('message', ({ data }) => {
    if (rec.closes > 0) rec.afterClose++
    rec.messages.push(data)
  })
  connection.on('close', () => rec.closes++)
  return rec
}

/** Dials `to` from `from`; resolves with [dialer end, acceptor end]. */
export async function connect(from: Peer, to: Peer, signal: AbortSignal): Promise<[Connection, Connection]> {
  const [dialer, opened] = await Promise.all([
    from.transport.dial(to.id, { signal }),
    waitForEvent<TransportEvents, 'connection:open'>(to.transport, 'connection:open', {
      signal,
      filter: ({ connection }) => connection.remotePeerId === from.id && !connection.closed,
    }),
  ])
  return [dialer, opened.connection]
}

/** Waits until `rec` holds at least `count` messages. */
export async function received(rec: Recording, count: number, signal: AbortSignal, what: string): Promise<void> {
  await waitFor(() => rec.messages.length >= count, { signal, description: what })
}

/** Waits until `rec`'s end has closed. */
export async function closed(rec: Recording, signal: AbortSignal, what: string): Promise<void> {
  await waitFor(() => rec.closes > 0, { signal, description: `close of ${what}` })
}

/** Sends one message each way on a fresh connection and waits for both. */
export async function roundTrip(a: Peer, b: Peer, signal: AbortSignal): Promise<void> {
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
