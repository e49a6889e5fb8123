/**
 * The one bridge between an external source (a Yjs type, a room, an awareness) and React:
 * a version number bumped on every change, read with `useSyncExternalStore`. Values are
 * derived from the source once per version, so `getSnapshot` never returns a fresh object
 * for an unchanged source (which would re-render forever).
 */
import { useMemo, useSyncExternalStore } from 'react'

/** Attaches a change listener to a source; returns the function that detaches it. */
export type Attach = (onChange: () => void) => () => void

interface VersionStore {
  subscribe(onStoreChange: () => void): () => void
  getSnapshot(): number
}

function versionStore(attach: Attach | undefined): VersionStore {
  let version = 0
  return {
    subscribe(onStoreChange) {
      if (attach === undefined) return () => {}
      const detach = attach(() => {
        version++
        onStoreChange()
      })
      // The source may have changed between render and subscribe: read it again once.
      version++
      onStoreChange()
      return detach
    },
    getSnapshot: () => version,
  }
}

/**
 * Re-renders when `key`'s source changes and returns `read()`, computed once per change.
 * `key` identifies the source (a new key starts over); `attach` subscribes to it, and
 * `undefined` means there is nothing to watch.
 */
export function useVersioned<T>(key: unknown, attach: Attach | undefined, read: () => T): T {
  // `attach` and `read` are fresh closures on every render; the key alone says when the
  // source is another one.
  const store = useMemo(() => versionStore(attach), [key])
  const version = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot)
  return useMemo(read, [store, version])
}
