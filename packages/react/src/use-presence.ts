/**
 * `usePresence`: this peer's presence state and everyone else's, over the room's
 * y-protocols Awareness.
 */
import type { Room } from '@gossamer/core'
import { useMemo } from 'react'
import { useVersioned } from './version-store.js'

/** A remote peer's presence state, keyed by its Yjs client id. */
export interface RemotePresence<S> {
  clientId: number
  state: S
}

/** What {@link usePresence} returns. */
export interface Presence<S> {
  /** This peer's state, or `null` when it has none (offline in presence terms). */
  local: S | null
  /** Every other peer's state that passed `parse`, in client-id order. */
  remote: RemotePresence<S>[]
  /** Replaces this peer's state (`null` withdraws it). A no-op while there is no room. */
  setLocal(state: S | null): void
  /** Sets one field of this peer's state. A no-op while there is no room. */
  setLocalField<K extends keyof S & string>(field: K, value: S[K]): void
}

/** Options of {@link usePresence}. */
export interface UsePresenceOptions<S> {
  /**
   * Validates a remote state (remote peers can send anything): return the state to keep it,
   * `undefined` to drop it. Default: every non-null object is accepted as `S` unchecked.
   */
  parse?: (state: unknown) => S | undefined
}

/**
 * This peer's presence state and the other peers', re-rendered when any of them changes
 * (Awareness `change` events; the periodic keep-alive renewals do not re-render).
 *
 * @example
 * ```ts
 * const { local, remote, setLocalField } = usePresence<{ name: string }>(room)
 * useEffect(() => setLocalField('name', 'Ada'), [setLocalField])
 * ```
 */
export function usePresence<S extends object>(room: Room | null | undefined, options: UsePresenceOptions<S> = {}): Presence<S> {
  const awareness = room?.awareness
  const parse = options.parse ?? ((state: unknown) => (typeof state === 'object' && state !== null ? (state as S) : undefined))
  const snapshot = useVersioned(
    awareness,
    awareness === undefined
      ? undefined
      : (onChange) => {
          awareness.on('change', onChange)
          return () => awareness.off('change', onChange)
        },
    () => {
      if (awareness === undefined) return { local: null, remote: [] }
      const remote: RemotePresence<S>[] = []
      for (const [clientId, state] of awareness.getStates()) {
        if (clientId === awareness.clientID) continue
        const parsed = parse(state)
        if (parsed !== undefined) remote.push({ clientId, state: parsed })
      }
      remote.sort((a, b) => a.clientId - b.clientId)
      return { local: (awareness.getLocalState() as S | null) ?? null, remote }
    },
  )
  const setters = useMemo(
    () => ({
      setLocal(state: S | null): void {
        awareness?.setLocalState(state as Record<string, unknown> | null)
      },
      setLocalField<K extends keyof S & string>(field: K, value: S[K]): void {
        awareness?.setLocalStateField(field, value)
      },
    }),
    [awareness],
  )
  return { ...snapshot, ...setters }
}
