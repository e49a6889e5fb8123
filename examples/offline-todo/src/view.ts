/**
 * The page's DOM: the status badges, the add form and the list. Rendering is plain DOM:
 * the list is small, so it is rebuilt on every change (at most once per microtask).
 */
import type { PersistState } from './handle.js'
import type { NetworkState } from './session.js'
import type { TodoItem } from './todo-list.js'

/** Everything the status line shows. */
export interface StatusView {
  network: NetworkState
  neighbours: number
  synced: boolean
  persisted: PersistState
  online: boolean
  switching: boolean
  /** The stored list is loaded (the form and the switch are enabled then). */
  loaded: boolean
}

/** What the view calls back into. */
export interface ViewActions {
  add(text: string): void
  toggle(id: string): void
  remove(id: string): void
  clearDone(): void
  setOnline(online: boolean): void
}

const byId = <T extends HTMLElement>(id: string): T => {
  const node = document.getElementById(id)
  if (node === null) throw new Error(`#${id} is missing from index.html`)
  return node as T
}

function setBadge(badge: HTMLElement, state: string, label: string, title: string): void {
  badge.dataset['state'] = state
  badge.textContent = label
  badge.title = title
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`

/** Wires the DOM of index.html to `actions`; returns the render functions. */
export function mountView(roomName: string, actions: ViewActions) {
  const form = byId<HTMLFormElement>('add-form')
  const input = byId<HTMLInputElement>('new-todo')
  const addButton = byId<HTMLButtonElement>('add')
  const list = byId<HTMLUListElement>('todo-list')
  const empty = byId('empty')
  const count = byId('count')
  const clearDone = byId<HTMLButtonElement>('clear-done')
  const toggle = byId<HTMLButtonElement>('toggle-online')
  const network = byId('badge-network')
  const sync = byId('badge-sync')
  const storage = byId('badge-storage')
  byId('room-name').textContent = roomName

  form.addEventListener('submit', (event) => {
    event.preventDefault()
    actions.add(input.value)
    input.value = ''
    input.focus()
  })
  list.addEventListener('change', (event) => {
    const box = event.target as HTMLInputElement
    const id = box.closest('li')?.dataset['id']
    if (box.type === 'checkbox' && id !== undefined) actions.toggle(id)
  })
  list.addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest('button.delete')
    const id = button?.closest('li')?.dataset['id']
    if (id !== undefined) actions.remove(id)
  })
  clearDone.addEventListener('click', () => actions.clearDone())
  toggle.addEventListener('click', () => actions.setOnline(toggle.dataset['online'] !== '1'))

  return {
    /** Enables the form once the stored list is loaded. */
    enable(): void {
      input.disabled = false
      addButton.disabled = false
      input.focus()
    },

    renderList(items: readonly TodoItem[]): void {
      const rows = items.map((item) => {
        const li = document.createElement('li')
        li.className = item.done ? 'todo done' : 'todo'
        li.dataset['id'] = item.id
        const label = document.createElement('label')
        const box = document.createElement('input')
        box.type = 'checkbox'
        box.checked = item.done
        const text = document.createElement('span')
        text.className = 'text'
        text.textContent = item.text
        label.append(box, text)
        const remove = document.createElement('button')
        remove.type = 'button'
        remove.className = 'delete'
        remove.title = 'Delete'
        remove.setAttribute('aria-label', `Delete “${item.text}”`)
        remove.textContent = '×'
        li.append(label, remove)
        return li
      })
      list.replaceChildren(...rows)
      const done = items.filter((item) => item.done).length
      empty.hidden = items.length > 0
      count.textContent = items.length === 0 ? '' : `${plural(items.length - done, 'item')} left · ${done} done`
      clearDone.hidden = done === 0
    },

    renderStatus(status: StatusView): void {
      const peers = plural(status.neighbours, 'peer')
      if (status.network === 'online') setBadge(network, 'online', `online · ${peers}`, 'Signaling server connected')
      else if (status.network === 'connecting') setBadge(network, 'connecting', `connecting… · ${peers}`, 'Looking for the signaling server')
      else setBadge(network, 'offline', 'offline', 'No transports: edits stay in this browser until you go online')

      if (!status.online) setBadge(sync, 'local', 'local only', 'Offline: nothing to sync with')
      else if (status.synced) setBadge(sync, 'synced', 'synced', 'Exchanged the whole list with a peer')
      else setBadge(sync, 'waiting', 'not synced yet', 'No full exchange with a peer yet')

      if (status.persisted === 'saved') setBadge(storage, 'saved', 'saved', 'Every edit is stored in IndexedDB')
      else if (status.persisted === 'saving') setBadge(storage, 'saving', 'saving…', 'Writing the latest edits to IndexedDB')
      else setBadge(storage, 'failed', 'not saved', 'IndexedDB refused a write; the list keeps working in memory')

      toggle.dataset['online'] = status.online ? '1' : '0'
      toggle.textContent = status.online ? 'Go offline' : 'Go online'
      toggle.disabled = status.switching || !status.loaded
    },
  }
}
