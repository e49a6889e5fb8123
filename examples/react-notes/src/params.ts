/**
 * What the page was asked to open, read from its query string:
 * `?room=notes&name=Ada&signal=ws://127.0.0.1:4444`.
 */

/** The app's settings. */
export interface NotesParams {
  /** Room name: peers with the same name share one note. */
  room: string
  /** This tab's display name. */
  name: string
  /** Signaling server URLs. */
  signaling: string[]
}

/** The signaling server `pnpm signal` starts. */
export const DEFAULT_SIGNALING = 'ws://127.0.0.1:4444'

const NAMES = ['Otter', 'Heron', 'Lynx', 'Badger', 'Puffin', 'Gecko', 'Marten', 'Ibis']

/** Parses a query string; bad or missing values fall back to the defaults. */
export function readParams(search: string, random: () => number = Math.random): NotesParams {
  const query = new URLSearchParams(search)
  const text = (key: string): string | undefined => {
    const value = query.get(key)?.trim()
    return value === undefined || value === '' ? undefined : value
  }
  const signaling = query
    .getAll('signal')
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => /^wss?:\/\//.test(v))
  return {
    room: text('room') ?? 'notes',
    name: text('name')?.slice(0, 32) ?? NAMES[Math.floor(random() * NAMES.length)] ?? 'Otter',
    signaling: signaling.length > 0 ? signaling : [DEFAULT_SIGNALING],
  }
}
