/**
 * Who this tab is to the others: a display name and a cursor colour, as y-codemirror.next
 * reads them from the awareness field `user`.
 */
import type { Room } from '@gossamer/core'

/** The awareness field `user`, as y-codemirror.next expects it. */
export interface UserIdentity {
  name: string
  /** Caret and name-tag colour. */
  color: string
  /** Selection background: the same colour, translucent. */
  colorLight: string
}

const ANIMALS = [
  'Otter', 'Heron', 'Lynx', 'Badger', 'Puffin', 'Gecko', 'Marten', 'Ibis', 'Narwhal', 'Okapi',
  'Quokka', 'Tapir', 'Wombat', 'Yak', 'Axolotl', 'Bison', 'Capybara', 'Dingo', 'Ermine', 'Fennec',
  'Gannet', 'Hoopoe', 'Koala', 'Lemur', 'Manatee', 'Newt', 'Ocelot', 'Pangolin', 'Raven', 'Stoat',
]

const COLOURS = ['#e5484d', '#f76b15', '#d6a000', '#30a46c', '#12a594', '#0090ff', '#6e56cf', '#d6409f', '#8e4ec6', '#3e63dd']

/** Picks an identity; `name` wins over a random animal. `random` returns a number in [0, 1). */
export function pickIdentity(name: string | undefined, random: () => number = Math.random): UserIdentity {
  const color = COLOURS[Math.floor(random() * COLOURS.length)] ?? '#6e56cf'
  return {
    name: name ?? `${ANIMALS[Math.floor(random() * ANIMALS.length)] ?? 'Otter'}`,
    color,
    colorLight: `${color}33`,
  }
}

/** Reads a `user` field from an awareness state that another peer wrote (it may be anything). */
export function readIdentity(state: unknown): UserIdentity | undefined {
  if (typeof state !== 'object' || state === null) return undefined
  const user = (state as { user?: unknown }).user
  if (typeof user !== 'object' || user === null) return undefined
  const { name, color, colorLight } = user as Record<string, unknown>
  if (typeof name !== 'string' || typeof color !== 'string') return undefined
  return { name, color, colorLight: typeof colorLight === 'string' ? colorLight : `${color}33` }
}

/**
 * Keeps this peer's colour distinct from the others' when the palette allows: when another
 * peer with a smaller awareness client id wears our colour, we switch to a free one.
 * Returns a function that stops watching.
 */
export function keepColourDistinct(awareness: Room['awareness'], user: UserIdentity, onChange: (user: UserIdentity) => void): () => void {
  const check = (): void => {
    const taken = new Set<string>()
    let clash = false
    for (const [clientId, state] of awareness.getStates()) {
      const other = clientId === awareness.clientID ? undefined : readIdentity(state)
      if (other === undefined) continue
      taken.add(other.color)
      if (other.color === user.color && clientId < awareness.clientID) clash = true
    }
    const free = clash ? COLOURS.find((c) => !taken.has(c)) : undefined
    if (free === undefined) return
    user.color = free
    user.colorLight = `${free}33`
    awareness.setLocalStateField('user', { ...user })
    onChange(user)
  }
  awareness.on('change', check)
  return () => awareness.off('change', check)
}
