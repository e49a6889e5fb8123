/**
 * A legitimate peer, speaking the signaling protocol as `@gossamer/webrtc` does: connect,
 * `hello`, `join` with the room's proof, wait for `peers`; when the server turns it away
 * (`server-full`, `source-limit`, `evicted`), retry after the client's own backoff. Then one
 * signal round trip to a peer of the room.
 */
import WebSocket from 'ws'
import type { Backoff } from '@gossamer/webrtc'

/** What one legitimate join cost. */
export interface JoinTiming {
  /** From the first connection attempt to the `peers` answer, in ms. */
  joinMs: number
  /** Of the successful attempt: socket open, `welcome` and `peers`, each from that attempt's start, in ms. */
  openMs: number
  welcomeMs: number
  peersMs: number
  /** Connection attempts (1 = admitted at once). */
  attempts: number
  /** Refusal codes met before getting in. */
  refusals: string[]
  /** The peer ids the server listed. */
  peers: string[]
}

/** A joined legitimate peer. */
export interface JoinedPeer {
  ws: WebSocket
  timing: JoinTiming
  /** Sends a signal to `to` and resolves with the ms until a signal comes back from it. */
  roundTrip(topic: string, to: string, deadlineMs: number): Promise<number>
}

/** Options of {@link joinRoom}. */
export interface JoinOptions {
  url: string
  peerId: string
  localAddress: string
  topic: string
  proof: string
  backoff: Backoff
  deadlineMs: number
}

/** Joins a room as a legitimate peer, retrying with backoff; rejects after `deadlineMs`. */
export async function joinRoom(options: JoinOptions): Promise<JoinedPeer> {
  const started = performance.now()
  const refusals: string[] = []
  for (let attempt = 0; ; attempt++) {
    const left = options.deadlineMs - (performance.now() - started)
    if (left <= 0) throw new Error(`${options.peerId}: not joined within ${options.deadlineMs} ms (refusals: ${refusals.join(', ')})`)
    const outcome = await tryOnce(options, left)
    if ('ws' in outcome) {
      const timing: JoinTiming = { ...outcome.timing, joinMs: performance.now() - started, attempts: attempt + 1, refusals }
      return { ws: outcome.ws, timing, roundTrip: (topic, to, ms) => roundTrip(outcome.ws, topic, to, ms) }
    }
    refusals.push(outcome.refused)
    await new Promise((resolve) => setTimeout(resolve, options.backoff(attempt)))
  }
}

type Attempt = { ws: WebSocket; timing: Omit<JoinTiming, 'joinMs' | 'attempts' | 'refusals'> } | { refused: string }

function tryOnce(options: JoinOptions, deadlineMs: number): Promise<Attempt> {
  return new Promise<Attempt>((resolve) => {
    const t0 = performance.now()
    let openMs = 0
    let welcomeMs = 0
    let refused = 'closed'
    let done = false
    const ws = new WebSocket(options.url, { localAddress: options.localAddress, perMessageDeflate: false })
    const timer = setTimeout(() => finish({ refused: 'timeout' }), deadlineMs)
    const finish = (result: Attempt): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      if ('refused' in result) ws.terminate()
      resolve(result)
    }
    ws.on('error', () => {})
    ws.once('open', () => {
      openMs = performance.now() - t0
      ws.send(JSON.stringify({ type: 'hello', peerId: options.peerId }))
    })
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { type: string; code?: string; peers?: string[] }
      if (m.type === 'welcome') {
        welcomeMs = performance.now() - t0
        ws.send(JSON.stringify({ type: 'join', topic: options.topic, proof: options.proof }))
      } else if (m.type === 'peers') {
        finish({ ws, timing: { openMs, welcomeMs, peersMs: performance.now() - t0, peers: m.peers ?? [] } })
      } else if (m.type === 'error') {
        refused = m.code ?? 'error'
      }
    })
    ws.once('close', () => finish({ refused }))
  })
}

function roundTrip(ws: WebSocket, topic: string, to: string, deadlineMs: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const t0 = performance.now()
    const timer = setTimeout(() => reject(new Error(`no signal back from ${to} within ${deadlineMs} ms`)), deadlineMs)
    const onMessage = (data: WebSocket.RawData): void => {
      const m = JSON.parse(String(data)) as { type: string; from?: string }
      if (m.type !== 'signal' || m.from !== to) return
      clearTimeout(timer)
      ws.off('message', onMessage)
      resolve(performance.now() - t0)
    }
    ws.on('message', onMessage)
    ws.send(JSON.stringify({ type: 'signal', topic, to, data: { type: 'offer', sdp: 'v=0 (bench)' } }))
  })
}

/** A peer that waits in the room and answers every signal with one of its own. */
export async function waitingPeer(options: Omit<JoinOptions, 'backoff' | 'deadlineMs'>): Promise<JoinedPeer> {
  const peer = await joinRoom({ ...options, backoff: () => 100, deadlineMs: 10_000 })
  peer.ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as { type: string; from?: string; topic?: string }
    if (m.type === 'signal' && m.from !== undefined) peer.ws.send(JSON.stringify({ type: 'signal', topic: m.topic, to: m.from, data: { type: 'answer', sdp: 'v=0 (bench)' } }))
  })
  return peer
}

/** Application-level pings every `intervalMs` on a joined peer's socket: the server's responsiveness. */
export function probe(ws: WebSocket, intervalMs: number): { stop(): number[] } {
  const samples: number[] = []
  const sent = new Map<string, number>()
  let n = 0
  const onMessage = (data: WebSocket.RawData): void => {
    const m = JSON.parse(String(data)) as { type: string; ref?: string }
    const t0 = m.type === 'pong' && m.ref !== undefined ? sent.get(m.ref) : undefined
    if (t0 === undefined || m.ref === undefined) return
    sent.delete(m.ref)
    samples.push(performance.now() - t0)
  }
  ws.on('message', onMessage)
  const timer = setInterval(() => {
    const ref = `probe-${n++}`
    sent.set(ref, performance.now())
    ws.send(JSON.stringify({ type: 'ping', ref }))
  }, intervalMs)
  return {
    stop: () => {
      clearInterval(timer)
      ws.off('message', onMessage)
      return samples
    },
  }
}
