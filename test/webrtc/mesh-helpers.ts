/**
 * Helpers of the N = 8 WebRTC mesh scenario: the neighbour graph, the choice of the peer to
 * kill, convergence, and seeded edits.
 */
import * as Y from 'yjs'
import type { RandomSource, Room } from '@gossamer/core'
import type { WebRTCTransport } from '@gossamer/webrtc'

/** The scenario's fewest neighbours a peer dials for. */
export const MIN_NEIGHBOURS = 2

/** One peer of the mesh. */
export interface Peer {
  index: number
  room: Room
  doc: Y.Doc
  transport: WebRTCTransport
  alive: boolean
}

/** Is the neighbour graph of `peers` connected (ignoring `without`)? */
export function connected(peers: Peer[], without?: Peer): boolean {
  const members = peers.filter((p) => p !== without)
  const ids = new Map(members.map((p) => [p.room.peerId, p]))
  const first = members[0]
  if (first === undefined) return true
  const seen = new Set([first.room.peerId])
  const queue = [first]
  for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
    for (const n of p.room.neighbours()) {
      if (!ids.has(n) || seen.has(n)) continue
      seen.add(n)
      queue.push(ids.get(n)!)
    }
  }
  return seen.size === members.length
}

/**
 * The peer to kill: its death must leave the overlay connected and nobody isolated (an
 * isolated peer has no relay left, and the server is dead), and preferably it leaves some
 * peer below `MIN_NEIGHBOURS`, so repair must dial through the relay. Highest degree first.
 */
export function chooseVictim(peers: Peer[]): Peer {
  const degree = (p: Peer): number => p.room.neighbours().length
  const byId = new Map(peers.map((p) => [p.room.peerId, p]))
  const safe = peers.filter((v) => connected(peers, v) && v.room.neighbours().every((n) => degree(byId.get(n)!) > 1))
  const forcesRepair = (v: Peer): boolean => v.room.neighbours().some((n) => degree(byId.get(n)!) === MIN_NEIGHBOURS)
  const ranked = [...safe].sort((a, b) => Number(forcesRepair(b)) - Number(forcesRepair(a)) || degree(b) - degree(a))
  const victim = ranked[0]
  if (victim === undefined) throw new Error('no peer can die without partitioning the mesh')
  return victim
}

/** True when every doc has the same state vector, delete set and text. */
export function converged(peers: Peer[]): boolean {
  const [first, ...rest] = peers
  if (first === undefined) return true
  const snap = Y.snapshot(first.doc)
  const text = first.doc.getText('t').toString()
  return rest.every((p) => Y.equalSnapshots(snap, Y.snapshot(p.doc)) && p.doc.getText('t').toString() === text)
}

export function edit(peer: Peer, random: RandomSource, label: string): void {
  const text = peer.doc.getText('t')
  const at = Math.floor(random.next() * (text.length + 1))
  if (text.length > 4 && random.next() < 0.3) text.delete(Math.min(at, text.length - 2), 2)
  else text.insert(at, `${label}${peer.index};`)
}
