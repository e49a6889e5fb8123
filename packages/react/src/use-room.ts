/**
 * `useRoom`: a room that lives as long as the component (or until its deps change).
 */
import { createRoom, type Room, type RoomOptions } from '@gossamer/core'
import { useEffect, useRef, useState, type DependencyList } from 'react'

/**
 * Creates a room after mount, closes it on unmount, and makes a new one when `deps` change.
 * Returns `null` until the room exists (and while it is being replaced).
 *
 * The options come from a factory, not an object, because of identity: an object literal is
 * new on every render, and transports and storage adapters belong to one room each. The
 * factory runs once per room, so make the transports inside it. `deps` say when the room
 * must be another one (like `useEffect`'s): usually the room name.
 *
 * StrictMode-safe: creation waits a microtask, so React's mount, unmount, mount check
 * creates one room, not two. A new room is created only after the previous one has finished
 * closing, so storage and identity are never held by two rooms at once. Each room is closed
 * exactly once. If `createRoom` throws (a `ConfigError`), the error is thrown during render,
 * for an error boundary.
 *
 * @example
 * ```tsx
 * const room = useRoom(() => ({
 *   name,
 *   doc: new Y.Doc(),
 *   transports: [webrtc({ signaling: ['ws://localhost:4444'] })],
 * }), [name])
 * ```
 */
export function useRoom(factory: () => RoomOptions, deps: DependencyList): Room | null {
  const [room, setRoom] = useState<Room | null>(null)
  const [error, setError] = useState<unknown>(undefined)
  const factoryRef = useRef(factory)
  // The last room's close, which the next room waits for.
  const closing = useRef<Promise<void>>(Promise.resolve())

  useEffect(() => {
    factoryRef.current = factory
  })

  useEffect(() => {
    let cancelled = false
    let created: Room | undefined
    void closing.current.then(() => {
      if (cancelled) return
      try {
        created = createRoom(factoryRef.current())
      } catch (err) {
        setError(() => err)
        return
      }
      setRoom(created)
    })
    return () => {
      cancelled = true
      if (created === undefined) return
      const closed = created
      setRoom((current) => (current === closed ? null : current))
      closing.current = closed.close().catch((err: unknown) => {
        console.error('@gossamer/react: closing a room failed', err)
      })
    }
    // The caller's deps decide when the room is another one.
  }, deps)

  if (error !== undefined) throw error
  return room
}
