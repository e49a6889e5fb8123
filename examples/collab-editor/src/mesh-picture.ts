/**
 * A small live SVG picture of this peer's corner of the mesh: this peer in the middle, its
 * neighbours (active view) on an inner ring with a link each, and the peers it knows but is
 * not connected to (passive view) faded on an outer ring.
 */
import type { UserIdentity } from './identity.js'

/** One peer as the picture shows it. */
export interface PicturedPeer {
  peerId: string
  user: UserIdentity | undefined
}

/** What to draw. */
export interface MeshScene {
  self: PicturedPeer
  neighbours: PicturedPeer[]
  known: PicturedPeer[]
}

const SVG = 'http://www.w3.org/2000/svg'
const WIDTH = 280
const HEIGHT = 196
const CX = WIDTH / 2
const CY = HEIGHT / 2
const INNER = 54
const OUTER = 86
const FALLBACK = '#8b8fa3'

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, name)
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value))
  return node
}

function label(peer: PicturedPeer): string {
  return peer.user?.name ?? peer.peerId.slice(0, 6)
}

function ring(count: number, radius: number, offset: number): { x: number; y: number }[] {
  return Array.from({ length: count }, (_, i) => {
    const angle = offset + (2 * Math.PI * i) / Math.max(count, 1) - Math.PI / 2
    return { x: CX + radius * Math.cos(angle), y: CY + radius * Math.sin(angle) }
  })
}

function node(peer: PicturedPeer, x: number, y: number, r: number, className: string): SVGGElement {
  const group = el('g', { class: className, transform: `translate(${x.toFixed(1)} ${y.toFixed(1)})` })
  const title = el('title', {})
  title.textContent = `${label(peer)} · ${peer.peerId}`
  const colour = peer.user?.color ?? FALLBACK
  const initial = el('text', { 'text-anchor': 'middle', dy: '0.35em', 'font-size': Math.round(r * 0.95) })
  initial.textContent = label(peer).slice(0, 1).toUpperCase()
  group.append(title, el('circle', { r, fill: colour }), initial)
  return group
}

/** Creates the picture's root element. */
export function createMeshPicture(): SVGSVGElement {
  const svg = el('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', class: 'mesh' })
  svg.setAttribute('aria-label', 'This peer and its neighbours')
  return svg
}

/** Redraws the picture from scratch (it is a handful of nodes). */
export function drawMesh(svg: SVGSVGElement, scene: MeshScene): void {
  svg.replaceChildren()
  svg.append(el('circle', { cx: CX, cy: CY, r: OUTER, class: 'orbit' }), el('circle', { cx: CX, cy: CY, r: INNER, class: 'orbit' }))
  const known = ring(scene.known.length, OUTER, Math.PI / Math.max(scene.known.length, 1))
  const inner = ring(scene.neighbours.length, INNER, 0)
  const links = el('g', { class: 'links' })
  const nodes = el('g', {})
  scene.known.forEach((peer, i) => {
    const p = known[i]
    if (p === undefined) return
    links.append(el('line', { x1: CX, y1: CY, x2: p.x, y2: p.y, class: 'link known' }))
    nodes.append(node(peer, p.x, p.y, 9, 'peer known'))
  })
  scene.neighbours.forEach((peer, i) => {
    const p = inner[i]
    if (p === undefined) return
    links.append(el('line', { x1: CX, y1: CY, x2: p.x, y2: p.y, class: 'link active', stroke: peer.user?.color ?? FALLBACK }))
    nodes.append(node(peer, p.x, p.y, 13, 'peer neighbour'))
  })
  nodes.append(node(scene.self, CX, CY, 19, 'peer self'))
  svg.append(links, nodes)
}
