/**
 * The side panel: who this peer is, whether it reached the signaling server and synced,
 * its neighbours (active view) and known peers (passive view), the mesh picture, and every
 * member of the room with its status, role and health (members-list.ts). It is redrawn on
 * `peer:join` / `peer:leave`, on `member:*` events, on awareness changes and every second.
 */
import type { Room } from '@gossamer/core'
import { readIdentity, type UserIdentity } from './identity.js'
import { membersList } from './members-list.js'
import { createMeshPicture, drawMesh, type PicturedPeer } from './mesh-picture.js'

/** How this peer reaches the others. */
export interface ConnectionStatus {
  /** State of the signaling client. */
  signaling: 'connected' | 'connecting' | 'offline'
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

/** A titled block with a count badge: a card, or a part of one. */
function block(className: string, title: string, testId: string, note?: string): { root: HTMLElement; count: HTMLElement; body: HTMLElement } {
  const root = h('section', className)
  const head = h('h2', undefined, title)
  if (note !== undefined) head.append(h('small', undefined, note))
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
  const self = block('card', 'This peer', 'self')
  const selfName = h('div', 'self-name')
  const selfDot = h('span', 'dot big')
  selfDot.style.background = init.user.color
  selfName.append(selfDot, h('span', undefined, init.user.name))
  const selfId = h('code', 'peer-id', room.peerId)
  selfId.dataset['testid'] = 'peer-id'
  self.body.append(selfName, selfId)

  const signaling = statusRow('Signaling')
  const synced = statusRow('Synced')
  const links = statusRow('Links')
  const signalingUrl = h('code', 'status-sub')
  const rows = h('div', 'status-rows')
  rows.append(signaling.row, signalingUrl, synced.row, links.row)
  self.body.append(rows)

  const mesh = block('card', 'Mesh', 'mesh')
  const svg = createMeshPicture()
  const legend = h('div', 'legend')
  legend.append(h('span', 'key active', 'neighbour'), h('span', 'key known', 'known peer'))
  mesh.body.append(svg, legend)

  const peers = h('div', 'card')
  const active = block('subsection', 'Neighbours', 'neighbours', 'active view')
  const passive = block('subsection', 'Known peers', 'known', 'passive view')
  const everyone = block('subsection', 'Members', 'members', 'status · role · health')
  peers.append(everyone.root, active.root, passive.root)
  parent.replaceChildren(self.root, mesh.root, peers)

  const render = (): void => {
    selfDot.style.background = init.user.color
    const names = identities(room)
    const picture = (peerId: string): PicturedPeer => ({ peerId, user: names.get(peerId) })
    const neighbours = room.neighbours().map(picture)
    const known = room.knownPeers().map(picture)
    const status = init.status()
    const sig = status.signaling
    // Without a server, peers already in the mesh still relay each other's signals.
    setStatus(signaling.value, sig === 'connected' ? 'good' : sig === 'connecting' ? 'wait' : 'bad', sig === 'offline' ? 'offline · mesh relays' : sig)
    signaling.value.title = status.signalingUrl
    signalingUrl.textContent = status.signalingUrl
    setStatus(synced.value, room.synced ? 'good' : 'wait', room.synced ? 'yes' : 'waiting for a peer')
    setStatus(links.value, neighbours.length > 0 ? 'good' : 'wait', `${neighbours.length} of at most ${init.maxNeighbours}`)
    active.count.textContent = String(neighbours.length)
    passive.count.textContent = String(known.length)
    active.body.replaceChildren(peerList(neighbours, init.transports, 'no neighbour yet'))
    passive.body.replaceChildren(peerList(known, undefined, 'none'))
    const members = room.members()
    everyone.count.textContent = String(members.filter((m) => m.status === 'alive').length)
    everyone.body.replaceChildren(membersList(members, new Map([...names].map(([id, user]) => [id, user.name]))))
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
  const offMembers = (['member:join', 'member:update', 'member:suspect', 'member:fail', 'member:leave', 'member:reap'] as const).map((event) => room.on(event, schedule))
  room.awareness.on('change', schedule)
  const timer = setInterval(render, 1000)
  render()
  return () => {
    offJoin()
    offLeave()
    offSynced()
    for (const off of offMembers) off()
    room.awareness.off('change', schedule)
    clearInterval(timer)
  }
}
