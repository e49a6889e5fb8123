/**
 * The shared list: a `Y.Array` of `Y.Map`s, one map per item with `id`, `text` and `done`.
 * Concurrent edits merge through Yjs: two pages that add items offline both keep theirs,
 * a toggle and a delete of the same item end with the item deleted.
 */
import * as Y from 'yjs'

/** One item, as plain data. */
export interface TodoItem {
  id: string
  text: string
  done: boolean
}

/** The Yjs type of one item. */
export type TodoMap = Y.Map<string | boolean>

/** Longest item text kept, in UTF-16 code units. */
export const MAX_TEXT = 500

/** A random id (96 bits, hex), unique per item across peers. */
function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12))
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

/** The item a map holds, or undefined when a peer stored something malformed. */
function toItem(map: unknown): TodoItem | undefined {
  if (!(map instanceof Y.Map)) return undefined
  const id: unknown = map.get('id')
  const text: unknown = map.get('text')
  const done: unknown = map.get('done')
  if (typeof id !== 'string' || typeof text !== 'string') return undefined
  return { id, text, done: done === true }
}

/** Add, toggle and delete on the shared array. Every change is one Yjs transaction. */
export class TodoList {
  /** The shared array (`doc.getArray('todos')`). */
  readonly items: Y.Array<TodoMap>

  constructor(readonly doc: Y.Doc) {
    this.items = doc.getArray<TodoMap>('todos')
  }

  /** Every well-formed item, in list order. */
  list(): TodoItem[] {
    const items: TodoItem[] = []
    for (const map of this.items) {
      const item = toItem(map)
      if (item !== undefined) items.push(item)
    }
    return items
  }

  /** Appends an item; returns its id, or undefined for blank text. */
  add(text: string): string | undefined {
    const trimmed = text.trim().slice(0, MAX_TEXT)
    if (trimmed === '') return undefined
    const id = newId()
    const map: TodoMap = new Y.Map<string | boolean>([
      ['id', id],
      ['text', trimmed],
      ['done', false],
    ])
    this.items.push([map])
    return id
  }

  /** Flips `done` of the item `id` (or sets it to `done`). Returns false when there is no such item. */
  toggle(id: string, done?: boolean): boolean {
    const map = this.#find(id)
    if (map === undefined) return false
    map.set('done', done ?? map.get('done') !== true)
    return true
  }

  /** Deletes the item `id`. Returns false when there is no such item. */
  remove(id: string): boolean {
    const index = this.#indexOf(id)
    if (index < 0) return false
    this.items.delete(index, 1)
    return true
  }

  /** Deletes every done item, in one transaction. */
  clearDone(): number {
    let removed = 0
    this.doc.transact(() => {
      for (let i = this.items.length - 1; i >= 0; i--) {
        if (this.items.get(i).get('done') === true) {
          this.items.delete(i, 1)
          removed++
        }
      }
    })
    return removed
  }

  /** Calls `listener` after every change of the list (local or remote); returns the unsubscribe function. */
  observe(listener: () => void): () => void {
    const handler = (): void => listener()
    this.items.observeDeep(handler)
    return () => this.items.unobserveDeep(handler)
  }

  #indexOf(id: string): number {
    let index = 0
    for (const map of this.items) {
      if (map.get('id') === id) return index
      index++
    }
    return -1
  }

  #find(id: string): TodoMap | undefined {
    const index = this.#indexOf(id)
    return index < 0 ? undefined : this.items.get(index)
  }
}
