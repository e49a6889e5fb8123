/**
 * What the page was asked to open, read from its query string:
 * `?room=groceries&signal=ws://127.0.0.1:4444&offline=1`.
 */

/** The todo list's settings. */
export interface TodoParams {
  /** Room name: pages with the same name share one list. */
  room: string
  /** Signaling server URLs. */
  signaling: string[]
  /** Start offline (no transports): the list still loads from IndexedDB and takes edits. */
  offline: boolean
}

/** The signaling server `pnpm signal` starts. */
export const DEFAULT_SIGNALING = 'ws://127.0.0.1:4444'

/** Parses a query string; bad or missing values fall back to the defaults. */
export function readParams(search: string): TodoParams {
  const query = new URLSearchParams(search)
  const room = query.get('room')?.trim()
  const signaling = query
    .getAll('signal')
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => /^wss?:\/\//.test(v))
  const offline = query.get('offline')
  return {
    room: room === undefined || room === '' ? 'todo' : room.slice(0, 64),
    signaling: signaling.length > 0 ? signaling : [DEFAULT_SIGNALING],
    offline: offline === '1' || offline === 'true',
  }
}

/** `href` with `offline=1` set or removed, so a reload keeps the page's online/offline choice. */
export function withOffline(href: string, offline: boolean): string {
  const url = new URL(href)
  if (offline) url.searchParams.set('offline', '1')
  else url.searchParams.delete('offline')
  return url.href
}
