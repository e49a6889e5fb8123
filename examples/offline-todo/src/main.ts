/**
 * The offline-first todo list: a Y.Array of Y.Maps in a Gossamer room. Every edit goes to
 * IndexedDB first, so the list loads and takes edits without any network; online, tabs of
 * this browser sync over BroadcastChannel and other browsers over WebRTC (introduced by the
 * signaling server in `?signal=`). "Go offline" is `room.disconnect()`; going online again
 * (`room.connect()`) merges whatever both sides did meanwhile.
 */
import './style.css'
import * as Y from 'yjs'
import { indexeddb } from '@gossamer/storage-idb'
import type { PersistState, ReportedError, TodoHandle } from './handle.js'
import { readParams, withOffline } from './params.js'
import { TodoSession } from './session.js'
import { TodoList } from './todo-list.js'
import { mountView } from './view.js'

/** One database for every list; each room keeps its keys under `['gossamer', room]`. */
const DB_NAME = 'gossamer-todo'

const params = readParams(location.search)
const doc = new Y.Doc()
const list = new TodoList(doc)
const storage = indexeddb({ dbName: DB_NAME })
const errors: ReportedError[] = []

// The storage badge: "saving…" from a local edit until a flush that started after it resolves.
let editSeq = 0
let savedSeq = 0
let saveFailed = false
const persisted = (): PersistState => (saveFailed ? 'failed' : editSeq > savedSeq ? 'saving' : 'saved')

let loaded = false
let statusQueued = false
const renderStatusSoon = (): void => {
  if (statusQueued) return
  statusQueued = true
  queueMicrotask(() => {
    statusQueued = false
    const { state, neighbours } = session.network()
    view.renderStatus({
      network: state,
      neighbours,
      synced: session.room.synced,
      persisted: persisted(),
      online: session.online,
      switching: session.switching,
      loaded,
    })
  })
}

const session = new TodoSession({
  name: params.room,
  doc,
  storage,
  signaling: params.signaling,
  online: !params.offline,
  onChange: renderStatusSoon,
  onError: ({ error }) => {
    errors.push({ name: error.name, message: error.message })
    console.warn('gossamer:', error)
  },
})

const flush = async (): Promise<void> => {
  const seq = editSeq
  try {
    await session.flush()
    savedSeq = Math.max(savedSeq, seq)
    saveFailed = false
  } catch (error) {
    saveFailed = true
    throw error
  } finally {
    renderStatusSoon()
  }
}

doc.on('update', (_update: Uint8Array, _origin: unknown, _doc: Y.Doc, transaction: Y.Transaction) => {
  if (!transaction.local) return
  editSeq++
  renderStatusSoon()
  // After the room's own update listener has queued the update for storage.
  queueMicrotask(() => void flush().catch(() => undefined))
})

const setOnline = async (online: boolean): Promise<void> => {
  history.replaceState(history.state, '', withOffline(location.href, !online))
  await session.setOnline(online)
}

const view = mountView(params.room, {
  add: (text) => list.add(text),
  toggle: (id) => list.toggle(id),
  remove: (id) => list.remove(id),
  clearDone: () => list.clearDone(),
  setOnline: (online) => void setOnline(online),
})

let listQueued = false
list.observe(() => {
  if (listQueued) return
  listQueued = true
  queueMicrotask(() => {
    listQueued = false
    view.renderList(list.list())
  })
})
view.renderList(list.list())
renderStatusSoon()
// The room's status, synced and peers events redraw the badges; whether a signaling server
// welcomed us has no event, so refresh now and then for that.
setInterval(renderStatusSoon, 1000)

const ready = session.whenLoaded().then(() => {
  loaded = true
  view.enable()
  view.renderList(list.list())
  renderStatusSoon()
})

const handle: TodoHandle = {
  get room() {
    return session.room
  },
  doc,
  items: list.items,
  list,
  storage,
  name: params.room,
  ready,
  get online() {
    return session.online
  },
  get persisted() {
    return persisted()
  },
  errors,
  network: () => session.network(),
  setOnline,
  flush,
  todos: () => list.list(),
}
window.todo = handle
document.title = `${params.room} · Gossamer todo`

// Leave politely and flush; a page restored from the back-forward cache starts afresh.
addEventListener('pagehide', () => void session.close())
addEventListener('pageshow', (event) => {
  if (event.persisted) location.reload()
})
