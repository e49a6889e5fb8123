/**
 * What the page was asked to open, read from its query string:
 * `?room=demo&name=Ada&role=reviewer&signal=ws://127.0.0.1:4444&max=6`, and from its fragment, which
 * browsers never send to a server: `#secret=<base64url>` opens the room with a secret.
 */

/** The editor's settings. */
export interface EditorParams {
  /** Room name: peers with the same name edit one document. */
  room: string
  /** Display name for the cursor, or undefined to pick a random animal. */
  name: string | undefined
  /** The role this member announces in its metadata (`room.setMeta({ role })`): `editor` by default. */
  role: string
  /** Signaling server URLs. */
  signaling: string[]
  /** The room's active-view cap (`maxNeighbours`). */
  maxNeighbours: number
  /** The room secret (base64url, from `#secret=`), or undefined for a room without one. */
  secret: string | undefined
}

/** The signaling server `pnpm signal` starts. */
export const DEFAULT_SIGNALING = 'ws://127.0.0.1:4444'
/** The role a member announces when the URL names none. */
export const DEFAULT_ROLE = 'editor'
/** Core's default active-view cap. */
export const DEFAULT_MAX_NEIGHBOURS = 6

/** Parses a query string (and a fragment); bad or missing values fall back to the defaults. */
export function readParams(search: string, hash = ''): EditorParams {
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
  const max = Number(text('max'))
  return {
    room: text('room') ?? 'demo',
    name: text('name')?.slice(0, 32),
    role: text('role')?.slice(0, 24) ?? DEFAULT_ROLE,
    signaling: signaling.length > 0 ? signaling : [DEFAULT_SIGNALING],
    maxNeighbours: Number.isInteger(max) && max >= 1 && max <= 64 ? max : DEFAULT_MAX_NEIGHBOURS,
    secret: secretOf(hash),
  }
}

/** The `secret` of a fragment (`#secret=…`), or undefined. */
function secretOf(hash: string): string | undefined {
  const secret = new URLSearchParams(hash.replace(/^#/, '')).get('secret')?.trim()
  return secret === undefined || secret === '' ? undefined : secret
}
