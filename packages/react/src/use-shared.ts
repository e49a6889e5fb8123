/**
 * Hooks that read the document and its shared types and re-render when they change.
 */
import { useRef } from 'react'
import type * as Y from 'yjs'
import { docOf, type DocSource } from './doc-source.js'
import { useVersioned } from './version-store.js'

/** Any Yjs shared type (Y.Text, Y.Map, Y.Array, Y.XmlFragment, ...). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SharedType = Y.AbstractType<any>

/**
 * Reads a shared type of `source` and re-renders on every change inside it (nested types
 * included). `get` picks the type (`(doc) => doc.getMap('todos')`); `read` turns it into
 * the value to render, computed once per change. Returns `undefined` while `source` is
 * `null` or `undefined`.
 *
 * @example
 * ```ts
 * const count = useShared(room, (doc) => doc.getArray('todos'), (todos) => todos.length)
 * ```
 */
export function useShared<T extends SharedType, S>(source: DocSource, get: (doc: Y.Doc) => T, read: (type: T) => S): S | undefined {
  const doc = docOf(source)
  const type = doc === undefined ? undefined : get(doc)
  return useVersioned(
    type,
    type === undefined
      ? undefined
      : (onChange) => {
          type.observeDeep(onChange)
          return () => type.unobserveDeep(onChange)
        },
    () => (type === undefined ? undefined : read(type)),
  )
}

/**
 * The text of `doc.getText(name)`, re-rendered on every change. `''` while there is no
 * document yet. Edit through `doc.getText(name)` itself.
 *
 * @example
 * ```ts
 * const title = useYText(room, 'title')
 * ```
 */
export function useYText(source: DocSource, name: string): string {
  return useShared(source, (doc) => doc.getText(name), (text) => text.toString()) ?? ''
}

/**
 * A JSON snapshot of `doc.getMap(name)`, re-rendered on every change inside it. `{}` while
 * there is no document yet. Values are not validated: give `V` only what your app writes.
 *
 * @example
 * ```ts
 * const settings = useYMap<string>(room, 'settings')
 * ```
 */
export function useYMap<V = unknown>(source: DocSource, name: string): Record<string, V> {
  return useShared(source, (doc) => doc.getMap(name), (map) => map.toJSON() as Record<string, V>) ?? EMPTY_MAP
}

/**
 * A JSON snapshot of `doc.getArray(name)`, re-rendered on every change inside it. `[]`
 * while there is no document yet.
 *
 * @example
 * ```ts
 * const todos = useYArray<{ title: string; done: boolean }>(room, 'todos')
 * ```
 */
export function useYArray<V = unknown>(source: DocSource, name: string): V[] {
  return useShared(source, (doc) => doc.getArray(name), (array) => array.toJSON() as V[]) ?? (EMPTY_ARRAY as unknown as V[])
}

/** What {@link useYDoc} returns. */
export interface YDocSnapshot {
  /** The document, or `undefined` while there is none. */
  doc: Y.Doc | undefined
  /** Changes on every update of the document (compare it, do not count with it). */
  version: number
}

/**
 * The document of `source`, re-rendering on every update to it (local or remote). Returns a
 * new object per update, so it can key `useMemo`. For a view of the whole document; prefer
 * the typed hooks, which re-render only for their own type.
 *
 * @example
 * ```ts
 * const { doc, version } = useYDoc(room)
 * ```
 */
export function useYDoc(source: DocSource): YDocSnapshot {
  const doc = docOf(source)
  const seen = useRef({ doc, version: 0 })
  return useVersioned(
    doc,
    doc === undefined
      ? undefined
      : (onChange) => {
          doc.on('update', onChange)
          return () => doc.off('update', onChange)
        },
    () => {
      seen.current = { doc, version: seen.current.doc === doc ? seen.current.version + 1 : 0 }
      return seen.current
    },
  )
}

const EMPTY_MAP: Record<string, never> = Object.freeze({}) as Record<string, never>
const EMPTY_ARRAY: readonly never[] = Object.freeze([])
