/**
 * What the page exposes on `window.todo`: for tests, and for poking around in devtools.
 */
import type { Room, StorageAdapter } from '@gossamer/core'
import type * as Y from 'yjs'
import type { NetworkState } from './session.js'
import type { TodoItem, TodoList, TodoMap } from './todo-list.js'

/** The storage badge: every local edit durable, or some still being written. */
export type PersistState = 'saved' | 'saving' | 'failed'

/** One error a room reported, as plain data. */
export interface ReportedError {
  name: string
  message: string
}

/** The page's live objects. */
export interface TodoHandle {
  /** The page's room. */
  readonly room: Room
  readonly doc: Y.Doc
  /** The shared array of items. */
  readonly items: Y.Array<TodoMap>
  /** Add, toggle, delete. */
  readonly list: TodoList
  /** The IndexedDB adapter the room logs into. */
  readonly storage: StorageAdapter
  /** The room name. */
  readonly name: string
  /** Resolves once the stored list is loaded (the input is enabled then). */
  readonly ready: Promise<void>
  /** True when the page is online (`room.connected`). */
  readonly online: boolean
  /** The storage badge's state. */
  readonly persisted: PersistState
  /** Every error the room reported. */
  readonly errors: ReportedError[]
  /** The network badge's state and the number of neighbours. */
  network(): { state: NetworkState; neighbours: number }
  /** `room.connect()` or `room.disconnect()`; resolves once the transports have started or stopped. */
  setOnline(online: boolean): Promise<void>
  /** Resolves once every edit made before the call is durable in IndexedDB. */
  flush(): Promise<void>
  /** The items, as plain data. */
  todos(): TodoItem[]
}

declare global {
  interface Window {
    todo: TodoHandle
  }
}
