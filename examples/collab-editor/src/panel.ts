/**
 * The side panel: who this peer is, whether it reached the signaling server and synced,
 * its neighbours (active view) and known peers (passive view), and the mesh picture.
 * It is redrawn on `peer:join` / `peer:leave`, on awareness changes and every second.
 */
import type { Room } from '@gossamer/core'
import { readIdentity, type UserIdentity } from './identity.js'
import { createMeshPicture, drawMesh, type PicturedPeer } from './mesh-picture.js'

/** How this peer reaches the others. */
export interface ConnectionStatus {
  /** State of the signaling client, or `unknown` when the transport does not say. */
  signaling: 'connected' | 'connecting' | 'offline' | 'unknown'
  /** The signaling server's URL, for display. */
  signalingUrl: string
}

/** Options of {@link mountPanel}. */
export interface PanelInit {
  parent: HTMLElement
  room: Room
  user: UserIdentity
  maxNeighbours: number
  status: () => ConnectionStatus
  /** Transport of each neighbour link, from `peer:join`. */
  transports: ReadonlyMap<string, string>
}

function h<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag)
  if (className !== undefined) node.className = className
  if (text !== undefined) node.textContent = text
  return node
}

function section(title: string, testId: string): { root: HTMLElement; count: HTMLElement; body: HTMLElement } {
  const root = h('section', 'card')
  const head = h('h2', undefined, title)
  const count = h('span', 'count')
  count.dataset['testid'] = `${testId}-count`
  head.append(count)
  const body = h('div', 'card-body')
  root.append(head, body)
  return { root, count, body }
}

function statusRow(label: string): { row: HTMLElement; value: HTMLElement } {
  const row = h('div', 'status-row')
  const value = h('span', 'status')
  row.append(h('span', 'label', label), value)
  return { row, value }
}

function setStatus(node: HTMLElement, tone: 'good' | 'wait' | 'bad' | 'none', text: string): void {
  node.className = `status ${tone}`
  node.textContent = text
}

/** Maps peer ids to the identities they announce in awareness (the `peer` field). */
function identities(room: Room): Map<string, UserIdentity> {
  const byPeer = new Map<string, UserIdentity>()
  for (const state of room.awareness.getStates().values()) {
    const peer = (state as { peer?: unknown }).peer
    const user = readIdentity(state)
    if (typeof peer === 'string' && user !== undefined) byPeer.set(peer, user)
  }
  return byPeer
}

function peerList(peers: PicturedPeer[], transports: ReadonlyMap<string, string> | undefined, empty: string): HTMLElement {
  const list = h('ul', 'peers')
  if (peers.length === 0) list.append(h('li', 'empty', empty))
  for (const peer of peers) {
    const item = h('li')
    const dot = h('span', 'dot')
    dot.style.background = peer.user?.color ?? 'var(--faint)'
    const transport = transports?.get(peer.peerId)
    item.append(dot, h('span', 'name', peer.user?.name ?? 'unknown'), h('code', 'id', peer.peerId.slice(0, 8)))
    if (transport !== undefined) item.append(h('span', 'tag', transport === 'broadcastchannel' ? 'tab' : transport))
    list.append(item)
  }
  return list
}

/** Builds the panel and keeps it live. Returns a function that stops the updates. */
export function mountPanel(init: PanelInit): () => void {
  const { room, parent } = init
  const self = section('This peer', 'self')
  const selfName = h('div', 'self-name')
  const selfDot = h('span', 'dot big')
  selfDot.style.background = init.user.color
  selfName.append(selfDot, h('span', undefined, init.user.name))
  const selfId = h('code', 'peer-id', room.peerId)
  selfId.dataset['testid'] = 'peer-id'
  self.body.append(selfName, selfId)

  const conn = section('Connection', 'connection')
  const signaling = statusRow('Signaling')
  const synced = statusRow('Synced')
  const links = statusRow('Links')
  conn.body.append(signaling.row, synced.row, links.row)

  const mesh = section('Mesh', 'mesh')
  const svg = createMeshPicture()
  const legend = h('div', 'legend')
  legend.append(h('span', 'key active', 'neighbour'), h('span', 'key known', 'known peer'))
  mesh.body.append(svg, legend)

  const active = section('Neighbours', 'neighbours')
  active.root.querySelector('h2')?.append(h('small', undefined, 'active view'))
  const passive = section('Known peers', 'known')
  passive.root.querySelector('h2')?.append(h('small', undefined, 'passive view'))
  parent.replaceChildren(self.root, conn.root, mesh.root, active.root, passive.root)

  const render = (): void => {
    const names = identities(room)
    const picture = (peerId: string): PicturedPeer => ({ peerId, user: names.get(peerId) })
    const neighbours = room.neighbours().map(picture)
    const known = room.knownPeers().map(picture)
    const status = init.status()
    const sig = status.signaling
    setStatus(
      signaling.value,
      sig === 'connected' ? 'good' : sig === 'connecting' ? 'wait' : sig === 'offline' ? 'bad' : 'none',
      sig === 'unknown' ? status.signalingUrl : `${sig} · ${status.signalingUrl}`,
    )
    signaling.value.title = status.signalingUrl
    setStatus(synced.value, room.synced ? 'good' : 'wait', room.synced ? 'yes' : 'waiting for a peer')
    setStatus(links.value, neighbours.length > 0 ? 'good' : 'wait', `${neighbours.length} of at most ${init.maxNeighbours}`)
    active.count.textContent = String(neighbours.length)
    passive.count.textContent = String(known.length)
    active.body.replaceChildren(peerList(neighbours, init.transports, 'no neighbour yet'))
    passive.body.replaceChildren(peerList(known, undefined, 'none'))
    drawMesh(svg, { self: { peerId: room.peerId, user: init.user }, neighbours, known })
  }

  let scheduled = false
  const schedule = (): void => {
    if (scheduled) return
    scheduled = true
    requestAnimationFrame(() => {
      scheduled = false
      render()
    })
  }
  const offJoin = room.on('peer:join', schedule)
  const offLeave = room.on('peer:leave', schedule)
  const offSynced = room.on('synced', schedule)
  room.awareness.on('change', schedule)
  const timer = setInterval(render, 1000)
  render()
  return () => {
    offJoin()
    offLeave()
    offSynced()
    room.awareness.off('change', schedule)
    clearInterval(timer)
  }
}
