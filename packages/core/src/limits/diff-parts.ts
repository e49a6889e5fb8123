/**
 * What a peer misses, in parts that each stay within the room's per-frame limits (bytes,
 * structs, delete ranges), read straight from the document's struct store one part at a
 * time, so answering a 10 MB document costs one part's work per step and never holds the
 * whole diff in memory.
 *
 * Parts go out in an order in which each can be integrated whole once the earlier ones
 * are: a struct is only written after everything it refers to (origin, right origin,
 * explicit parent) is in the peer's state or in an earlier or the same part (a worklist
 * over clients, like Kahn's topological sort), and the delete set comes last. A receiver
 * therefore never holds a part back unless one was lost or overtaken. An item larger than
 * a part is sliced (struct-writer.ts). Within a part each client's structs are contiguous,
 * as the V1 format requires.
 */
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { structDeps, writeSlice, writeStruct } from './struct-writer.js'

/** How much one part may carry. */
export interface PartBudget {
  bytes: number
  structs: number
  /** GC structs (a receiver limits them apart: `gcStructs`). Default: `structs`. */
  gcStructs?: number
  deleteRanges: number
}

/** One part: a Yjs V1 update, and whether it is the last. */
export interface DiffPart {
  update: Uint8Array
  last: boolean
}

/** Structs looked at per part while collecting the delete set (bounds one step's work). */
const DELETE_SCAN_PER_PART = 200_000

/** The parts of one diff. Internal. */
export class DiffParts {
  readonly #doc: Y.Doc
  readonly #budget: PartBudget
  /** Per client: the clock the peer will hold once the parts so far are in. */
  readonly #sent: Map<number, number>
  /** Clients waiting for another client to reach a clock (their next struct refers to it). */
  readonly #waiting = new Map<number, { client: number; clock: number }[]>()
  readonly #blocked = new Set<number>()
  #structsDone = false
  /** Set if references could not be ordered (never for an integrated document): write the rest in clock order. */
  #force = false
  /** Delete-set cursor: clients (fixed once the structs are done), index, clock. */
  #dsClients: number[] = []
  #dsIndex = 0
  #dsClock = 0
  #done = false

  constructor(doc: Y.Doc, remote: Map<number, number>, budget: PartBudget) {
    this.#doc = doc
    this.#budget = budget
    this.#sent = new Map(remote)
  }

  /** True once the last part was produced. */
  get done(): boolean {
    return this.#done
  }

  #sentOf(client: number): number {
    return this.#sent.get(client) ?? 0
  }

  /** The next part (call until `last`). */
  next(): DiffPart {
    const store = this.#doc.store
    const part = new Map<number, { start: number; bytes: Uint8Array[]; count: number }>()
    let bytes = 8
    let structs = 0
    let gcs = 0
    if (!this.#structsDone) {
      const ready = [...store.clients.keys()].filter((c) => !this.#blocked.has(c) && Y.getState(store, c) > this.#sentOf(c)).sort((a, b) => a - b)
      const queued = new Set(ready)
      const wake = (client: number): void => {
        const list = this.#waiting.get(client)
        if (list === undefined) return
        const reached = this.#sentOf(client)
        const still = list.filter((w) => {
          if (w.clock >= reached) return true
          this.#blocked.delete(w.client)
          if (!queued.has(w.client)) {
            queued.add(w.client)
            ready.push(w.client)
          }
          return false
        })
        if (still.length > 0) this.#waiting.set(client, still)
        else this.#waiting.delete(client)
      }
      let full = false
      for (;;) {
        if (ready.length === 0 && this.#blocked.size > 0 && structs === 0) {
          // A cycle of references cannot happen in an integrated store; never loop on one.
          this.#force = true
          for (const client of this.#blocked) ready.push(client)
          this.#blocked.clear()
          this.#waiting.clear()
        }
        if (ready.length === 0 || full) break
        const client = ready[ready.length - 1] as number
        const from = this.#sentOf(client)
        const list = store.clients.get(client)
        if (list === undefined || from >= Y.getState(store, client)) {
          ready.pop()
          queued.delete(client)
          continue
        }
        const struct = list[Y.findIndexSS(list, from)] as Y.GC | Y.Item
        const offset = from - struct.id.clock
        const dep = structDeps(struct, offset).find((d) => d.clock >= this.#sentOf(d.client))
        if (dep !== undefined && !this.#force) {
          ready.pop()
          queued.delete(client)
          this.#blocked.add(client)
          const list = this.#waiting.get(dep.client) ?? []
          list.push({ client, clock: dep.clock })
          this.#waiting.set(dep.client, list)
          continue
        }
        if (structs >= this.#budget.structs) break
        const isGc = !(struct instanceof Y.Item)
        if (isGc && gcs >= (this.#budget.gcStructs ?? this.#budget.structs)) break
        const head = part.has(client) ? 0 : 30
        let written = writeStruct(struct, offset)
        if (bytes + head + written.bytes.length > this.#budget.bytes) {
          if (structs > 0) break
          written = writeSlice(struct, offset, this.#budget.bytes - bytes - head) ?? written
          full = true
        }
        const entry = part.get(client) ?? { start: from, bytes: [], count: 0 }
        entry.bytes.push(written.bytes)
        entry.count++
        part.set(client, entry)
        bytes += head + written.bytes.length
        structs++
        if (isGc) gcs++
        this.#sent.set(client, from + written.length)
        wake(client)
      }
      // Nothing left that can move: every struct was written (a waiting client would mean a
      // reference the store does not hold, which an integrated document never has).
      if (ready.length === 0 && this.#blocked.size === 0) {
        this.#structsDone = true
        this.#dsClients = [...store.clients.keys()].sort((a, b) => b - a)
      }
    }
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, part.size)
    for (const [client, entry] of [...part].sort((a, b) => b[0] - a[0])) {
      encoding.writeVarUint(encoder, entry.count)
      encoding.writeVarUint(encoder, client)
      encoding.writeVarUint(encoder, entry.start)
      for (const chunk of entry.bytes) encoding.writeUint8Array(encoder, chunk)
    }
    const deletes = this.#structsDone ? this.#deletes(this.#budget.bytes - bytes) : new Map<number, [number, number][]>()
    encoding.writeVarUint(encoder, deletes.size)
    for (const [client, ranges] of deletes) {
      encoding.writeVarUint(encoder, client)
      encoding.writeVarUint(encoder, ranges.length)
      for (const [clock, length] of ranges) {
        encoding.writeVarUint(encoder, clock)
        encoding.writeVarUint(encoder, length)
      }
    }
    this.#done = this.#structsDone && this.#dsIndex >= this.#dsClients.length
    return { update: encoding.toUint8Array(encoder), last: this.#done }
  }

  /** Deleted ranges from the cursor on, within `room` bytes and the part's range budget. */
  #deletes(room: number): Map<number, [number, number][]> {
    const store = this.#doc.store
    const out = new Map<number, [number, number][]>()
    let ranges = 0
    let bytes = 0
    let scanned = 0
    while (this.#dsIndex < this.#dsClients.length) {
      const client = this.#dsClients[this.#dsIndex] as number
      const list = store.clients.get(client) ?? []
      const end = list.length === 0 ? 0 : Y.getState(store, client)
      let i = this.#dsClock >= end ? list.length : Y.findIndexSS(list, this.#dsClock)
      for (; i < list.length; i++) {
        const struct = list[i] as Y.GC | Y.Item
        if (++scanned > DELETE_SCAN_PER_PART || ranges >= this.#budget.deleteRanges || bytes + 40 > room) return out
        this.#dsClock = struct.id.clock + struct.length
        if (!struct.deleted) continue
        const own = out.get(client) ?? []
        const previous = own[own.length - 1]
        if (previous !== undefined && previous[0] + previous[1] === struct.id.clock) {
          previous[1] += struct.length
          continue
        }
        own.push([struct.id.clock, struct.length])
        out.set(client, own)
        ranges++
        bytes += 20 + (own.length === 1 ? 20 : 0)
      }
      this.#dsIndex++
      this.#dsClock = 0
    }
    return out
  }
}
