/**
 * Random edits by every peer at random virtual times: words inserted into a shared
 * Y.Text, words deleted from it, and keys set in a shared Y.Map. Every choice comes from
 * the simulation's seeded random source, so a seed replays the same edits.
 */
import type * as Y from 'yjs'
import type { Simulation, SimPeer } from '@gossamer/testing'

const WORDS = [
  'gossip', 'swarm', 'peer', 'delta', 'merge', 'vector', 'clock', 'state', 'epidemic', 'tree',
  'lazy', 'eager', 'push', 'pull', 'digest', 'room', 'yjs', 'crdt', 'offline', 'replica',
  'rumour', 'fanout', 'probe', 'heal', 'split', 'quorum', 'entropy', 'overlay', 'view', 'mesh',
]
const COLOURS = ['red', 'amber', 'green', 'teal', 'blue', 'violet', 'pink', 'grey']
const KEYS = 16

/** The shared types every peer edits. */
export function textOf(doc: Y.Doc): Y.Text {
  return doc.getText('text')
}

export function mapOf(doc: Y.Doc): Y.Map<string> {
  return doc.getMap<string>('map')
}

/** Edits made so far, by kind. */
export interface EditCounts {
  inserts: number
  deletes: number
  sets: number
}

export function totalEdits(counts: EditCounts): number {
  return counts.inserts + counts.deletes + counts.sets
}

/**
 * Schedules, on the simulation's clock, `perPeer` edits (on average) for each peer at
 * uniformly random times in the next `windowMs` virtual ms. Returns how many it scheduled.
 */
export function scheduleEdits(sim: Simulation, peers: readonly SimPeer[], windowMs: number, perPeer: number, counts: EditCounts): number {
  let scheduled = 0
  for (const peer of peers) {
    // Between half and one and a half times the average, so peers differ.
    const n = Math.max(1, Math.round(perPeer * (0.5 + sim.random.next())))
    for (let k = 0; k < n; k++) {
      const at = sim.random.next() * windowMs
      const index = peer.index
      sim.clock.setTimeout(() => {
        const current = sim.peers[index]
        if (current !== undefined && current.alive) editOnce(sim, current, counts)
      }, at)
      scheduled++
    }
  }
  return scheduled
}

/** One random edit by one peer. */
function editOnce(sim: Simulation, peer: SimPeer, counts: EditCounts): void {
  const random = (): number => sim.random.next()
  const text = textOf(peer.doc)
  const roll = random()
  if (roll < 0.55 || text.length === 0) {
    // Insert a word at a word boundary.
    const s = text.toString()
    const at = boundaryAfter(s, Math.floor(random() * (s.length + 1)))
    text.insert(at, `${pick(WORDS, random())} `)
    counts.inserts++
  } else if (roll < 0.75) {
    // Delete the word (and its trailing space) around a random position.
    const s = text.toString()
    const p = Math.floor(random() * s.length)
    const start = s.lastIndexOf(' ', p - 1) + 1
    const space = s.indexOf(' ', p)
    const end = space === -1 ? s.length : space + 1
    if (end > start) text.delete(start, end - start)
    counts.deletes++
  } else {
    const key = `k${Math.floor(random() * KEYS).toString().padStart(2, '0')}`
    mapOf(peer.doc).set(key, `${pick(COLOURS, random())}@${peer.peerId}`)
    counts.sets++
  }
}

/** The first word boundary (start of text, or just after a space) at or after `p`. */
function boundaryAfter(s: string, p: number): number {
  if (p === 0) return 0
  const space = s.indexOf(' ', p - 1)
  return space === -1 ? s.length : space + 1
}

function pick<T>(items: readonly T[], r: number): T {
  return items[Math.floor(r * items.length)] as T
}
