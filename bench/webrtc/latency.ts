/**
 * Edit-to-visible latency: an edit is visible at a peer once that peer's state vector
 * covers the edit's (client, clock), which is exactly when its text shows the inserted
 * character (an update with missing dependencies waits in Yjs's pending store and does
 * not advance the state vector). Checked on every `update` event of every remote doc.
 */
import * as Y from 'yjs'

interface Pending {
  clock: number
  at: number
}

/** Tracks every (edit, remote peer) pair until the peer has the edit. */
export class LatencyTracker {
  /** One latency per (edit, remote peer) pair that became visible, in ms. */
  readonly samples: number[] = []
  readonly #docs: Y.Doc[]
  /** pending[peer]: per origin client, edits not yet visible there, in clock order. */
  readonly #pending: Map<number, Pending[]>[]
  #outstanding = 0
  readonly #now: () => number
  readonly #offs: (() => void)[] = []
  #onSettled: (() => void) | undefined

  constructor(docs: Y.Doc[], now: () => number = () => performance.now()) {
    this.#docs = docs
    this.#now = now
    this.#pending = docs.map(() => new Map())
    docs.forEach((doc, peer) => {
      const listener = (): void => this.#check(peer)
      doc.on('update', listener)
      this.#offs.push(() => doc.off('update', listener))
    })
  }

  /** Call just before peer `origin` makes its edit. */
  beforeEdit(origin: number): void {
    const doc = this.#docs[origin]!
    const client = doc.clientID
    const clock = Y.getState(doc.store, client)
    const at = this.#now()
    this.#pending.forEach((byClient, peer) => {
      if (peer === origin) return
      let list = byClient.get(client)
      if (list === undefined) {
        list = []
        byClient.set(client, list)
      }
      list.push({ clock, at })
      this.#outstanding++
    })
  }

  /** (edit, peer) pairs still waiting. */
  get outstanding(): number {
    return this.#outstanding
  }

  /** Resolves when nothing is outstanding, or after `timeoutMs`. */
  settled(timeoutMs: number): Promise<boolean> {
    if (this.#outstanding === 0) return Promise.resolve(true)
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#onSettled = undefined
        resolve(false)
      }, timeoutMs)
      this.#onSettled = () => {
        clearTimeout(timer)
        this.#onSettled = undefined
        resolve(true)
      }
    })
  }

  #check(peer: number): void {
    const byClient = this.#pending[peer]!
    if (byClient.size === 0) return
    const doc = this.#docs[peer]!
    const now = this.#now()
    for (const [client, list] of byClient) {
      const state = Y.getState(doc.store, client)
      let done = 0
      while (done < list.length && list[done]!.clock < state) {
        this.samples.push(now - list[done]!.at)
        done++
      }
      if (done === 0) continue
      this.#outstanding -= done
      if (done === list.length) byClient.delete(client)
      else list.splice(0, done)
    }
    if (this.#outstanding === 0) this.#onSettled?.()
  }

  dispose(): void {
    for (const off of this.#offs) off()
  }
}

/** The q-quantile (0..1) of `values` by nearest rank; null when empty. */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[rank]!
}

/** Median of `values`; null when empty. */
export function median(values: readonly number[]): number | null {
  return quantile(values, 0.5)
}

/** A small seeded PRNG (mulberry32), independent of both systems. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** One scheduled edit: who types, where (fraction of the text length), what, and the gap before it. */
export interface ScheduledEdit {
  peer: number
  position: number
  char: string
  gapMs: number
}

/** The edit schedule, identical for both systems at a given seed and N. */
export function editSchedule(seed: number, peers: number, edits: number, minGapMs: number, maxGapMs: number): ScheduledEdit[] {
  const random = mulberry32(seed * 1_000_003 + peers)
  return Array.from({ length: edits }, () => ({
    peer: Math.floor(random() * peers),
    position: random(),
    char: String.fromCharCode(97 + Math.floor(random() * 26)),
    gapMs: minGapMs + Math.floor(random() * (maxGapMs - minGapMs + 1)),
  }))
}
