/**
 * The hostile sockets: each connects from its own loopback source address (up to
 * `perSource` sockets per address), says hello, joins the shared signaling topic without a
 * proof (as every real client does) and then does nothing but answer the server's pings.
 * A socket that is evicted or refused comes back after a short delay, as a persistent
 * attacker would, until the horde is stopped.
 */
import WebSocket from 'ws'

/** Options of {@link startHorde}. */
export interface HordeOptions {
  url: string
  size: number
  perSource: number
  /** The shared topic the sockets join without a proof. */
  sharedTopic: string
  /** Sockets opened at once while filling. */
  concurrency: number
  /** Delay before an evicted or refused socket reconnects, in ms. */
  comebackMs: number
}

/** Counters of a running horde. */
export interface HordeStats {
  /** Sockets that are open and have joined. */
  holding: number
  /** `evicted` errors received. */
  evicted: number
  /** Connection attempts refused (`server-full` or `source-limit`). */
  refused: number
  /** Connection attempts made, comebacks included. */
  attempts: number
}

/** A horde of hostile sockets. */
export interface Horde {
  readonly stats: HordeStats
  /** Resolves with true once all `size` sockets hold a slot at the same time (false after `deadlineMs`). */
  filled(deadlineMs: number): Promise<boolean>
  /** Closes every socket and stops coming back. */
  stop(): void
}

/** The loopback address of source number `s`: 127.4.x.y. */
function address(s: number): string {
  return `127.4.${Math.floor(s / 250)}.${(s % 250) + 1}`
}

/** Starts the horde; sockets connect `concurrency` at a time. */
export function startHorde(options: HordeOptions): Horde {
  const stats: HordeStats = { holding: 0, evicted: 0, refused: 0, attempts: 0 }
  const sockets = new Set<WebSocket>()
  const timers = new Set<ReturnType<typeof setTimeout>>()
  let stopped = false
  let onFilled: (() => void) | undefined

  const connect = (index: number): Promise<void> =>
    new Promise<void>((resolve) => {
      if (stopped) return resolve()
      stats.attempts++
      const ws = new WebSocket(options.url, { localAddress: address(Math.floor(index / options.perSource)), perMessageDeflate: false })
      sockets.add(ws)
      let held = false
      let comeBack = false
      ws.on('error', () => {}) // the close that follows decides
      ws.once('open', () => ws.send(JSON.stringify({ type: 'hello', peerId: `hostile-${index}` })))
      ws.on('message', (data) => {
        const m = JSON.parse(String(data)) as { type: string; code?: string }
        if (m.type === 'welcome') ws.send(JSON.stringify({ type: 'join', topic: options.sharedTopic }))
        else if (m.type === 'joined' && !held) {
          held = true
          stats.holding++
          if (stats.holding === options.size) onFilled?.()
          resolve()
        } else if (m.type === 'error' && m.code === 'evicted') {
          stats.evicted++
          comeBack = true
        } else if (m.type === 'error' && (m.code === 'server-full' || m.code === 'source-limit')) {
          stats.refused++
          comeBack = true
        }
      })
      ws.once('close', () => {
        sockets.delete(ws)
        if (held) stats.holding--
        resolve()
        if (stopped || !comeBack) return
        const timer = setTimeout(() => {
          timers.delete(timer)
          void connect(index)
        }, options.comebackMs * (0.5 + Math.random()))
        timers.add(timer)
      })
    })

  const filling = (async () => {
    for (let start = 0; start < options.size && !stopped; start += options.concurrency) {
      const batch = Array.from({ length: Math.min(options.concurrency, options.size - start) }, (_, i) => connect(start + i))
      await Promise.all(batch)
    }
  })()

  return {
    stats,
    filled: (deadlineMs) =>
      new Promise<boolean>((resolve) => {
        if (stats.holding === options.size) return resolve(true)
        const timer = setTimeout(() => resolve(false), deadlineMs)
        onFilled = () => {
          clearTimeout(timer)
          onFilled = undefined
          resolve(true)
        }
        void filling.then(() => {
          if (stats.holding === options.size) onFilled?.()
        })
      }),
    stop: () => {
      stopped = true
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      for (const ws of sockets) ws.terminate()
      sockets.clear()
    },
  }
}
