/**
 * A raw signaling client for tests: speaks the server protocol directly, so a test can
 * play a hostile or minimal peer (or watch what the server sees).
 */
import { WebSocket } from 'ws'
import { waitFor } from '@gossamer/testing'

/** A connected raw client with everything it received. */
export interface RawClient {
  socket: WebSocket
  /** The first topic joined. */
  topic: string
  received: Array<Record<string, unknown>>
  send(message: Record<string, unknown>): void
  /** Resolves with the first received message that passes `filter`. */
  next(filter: (m: Record<string, unknown>) => boolean, signal: AbortSignal): Promise<Record<string, unknown>>
  close(): void
}

/** A topic to join: a bare topic (signaling only), or a topic with its room proof (listed, answered with peers). */
export type RawJoin = string | { topic: string; proof: string }

/** Connects, says hello as `peerId`, joins `topics` and waits until they are joined. */
export async function rawClient(url: string, peerId: string, topics: RawJoin[], signal: AbortSignal): Promise<RawClient> {
  const socket = new WebSocket(url)
  const received: Array<Record<string, unknown>> = []
  socket.on('message', (data) => received.push(JSON.parse(String(data)) as Record<string, unknown>))
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('error', reject)
  })
  const client: RawClient = {
    socket,
    topic: topicOf(topics[0]),
    received,
    send: (message) => socket.send(JSON.stringify(message)),
    async next(filter, sig) {
      let found: Record<string, unknown> | undefined
      await waitFor(() => (found = received.find(filter)) !== undefined, { signal: sig, description: 'a raw client message' })
      received.splice(received.indexOf(found!), 1)
      return found!
    },
    close: () => socket.close(),
  }
  client.send({ type: 'hello', peerId })
  for (const join of topics) client.send(typeof join === 'string' ? { type: 'join', topic: join } : { type: 'join', ...join })
  client.send({ type: 'ping', ref: 'joined' })
  await client.next((m) => m['type'] === 'pong' && m['ref'] === 'joined', signal)
  return client
}

function topicOf(join: RawJoin | undefined): string {
  return join === undefined ? '' : typeof join === 'string' ? join : join.topic
}
