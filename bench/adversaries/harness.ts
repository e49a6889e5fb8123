/**
 * The seeded room every adversary of the bench attacks: honest rooms of the real engine
 * (`@gossamer/core`) on one in-memory network with 50 ± 25 ms links, on a virtual clock, so
 * every latency figure replays exactly from the seed. Each honest peer's transport is
 * probed (probe.ts) and every honest edit is tracked from the moment it is made until each
 * other honest peer sees it.
 */
import * as Y from 'yjs'
import { createRoom, documentDigest, memoryNetwork, seededRandom, VirtualClock, type MemoryNetwork, type PeerId, type RandomSource, type Room, type Transport } from '@gossamer/core'
import { probeLog, ProbedTransport, type ProbeLog, type ProbeRules } from './probe.js'

/** The room's shape. */
export interface RoomPlan {
  seed: number
  /** Honest peers. */
  peers: number
  /** One-way latency, uniform in [min, max] ms. */
  latency: { min: number; max: number }
  /** The rooms' round (membership and anti-entropy period), ms. */
  roundMs: number
}

/** One honest edit: when and by whom it was made, and when each other honest peer saw it. */
export interface EditRecord {
  key: string
  author: number
  madeAt: number
  /** Virtual time each honest peer (by index, the author included) first held it. */
  seenAt: Map<number, number>
}

/** One honest peer. */
export interface HonestPeer {
  index: number
  peerId: PeerId
  doc: Y.Doc
  room: Room
}

/** The room under test. */
export class HonestRoom {
  readonly clock = new VirtualClock()
  readonly network: MemoryNetwork
  readonly random: RandomSource
  readonly name = 'adversaries-bench'
  readonly plan: RoomPlan
  readonly peers: HonestPeer[] = []
  /** Rooms that joined later (newcomers): honest, but not edit receivers. */
  readonly newcomers: Room[] = []
  readonly log: ProbeLog = probeLog()
  readonly edits: EditRecord[] = []
  readonly #byKey = new Map<string, EditRecord>()
  /** (edit, honest peer) pairs seen so far, and when digests were last compared. */
  #seen = 0
  #digestsAt = -1
  readonly #hostilePeers = new Set<PeerId>()
  readonly #honestClients = new Set<number>()
  readonly rules: ProbeRules = {
    hostilePeer: (peerId) => this.#hostilePeers.has(peerId),
    hostileClient: (clientID) => !this.#honestClients.has(clientID),
  }

  private constructor(plan: RoomPlan) {
    this.plan = plan
    this.random = seededRandom(plan.seed)
    this.network = memoryNetwork({
      clock: this.clock,
      random: seededRandom(plan.seed ^ 0x5bd1e995),
      latency: plan.latency,
      bootstrapSample: 8,
      dialTimeoutMs: 3 * plan.roundMs,
    })
  }

  /** Creates the honest peers (all at once) and lets the first timers run. */
  static async create(plan: RoomPlan): Promise<HonestRoom> {
    const room = new HonestRoom(plan)
    for (let i = 0; i < plan.peers; i++) room.peers.push(room.#spawn(i))
    await room.clock.advance(0)
    return room
  }

  #newRoom(peerId: PeerId, salt: number): Room {
    const doc = new Y.Doc()
    doc.clientID = Math.floor(this.random.next() * 0x7fffffff)
    const room = createRoom({
      name: this.name,
      doc,
      transports: [new ProbedTransport(this.network.transport(), this.log, this.rules)],
      clock: this.clock,
      random: seededRandom((this.plan.seed * 7919 + salt * 104729) >>> 0),
      peerId,
      presence: true,
      roundMs: this.plan.roundMs,
    })
    this.#honestClients.add(room.awareness.clientID)
    room.awareness.setLocalState({ user: { name: peerId } })
    return room
  }

  #spawn(index: number): HonestPeer {
    const peerId = `p${index.toString(36).padStart(4, '0')}`
    const room = this.#newRoom(peerId, index)
    const peer: HonestPeer = { index, peerId, doc: room.doc, room }
    room.doc.getMap<number>('edits').observe((event) => {
      const now = this.clock.now()
      for (const key of event.keysChanged) {
        const record = this.#byKey.get(key)
        if (record !== undefined && !record.seenAt.has(index)) {
          record.seenAt.set(index, now)
          this.#seen++
        }
      }
    })
    return peer
  }

  /** A newcomer joins (an honest room that makes no edits); returns it. */
  newcomer(): Room {
    const room = this.#newRoom(`n${this.newcomers.length.toString(36).padStart(4, '0')}`, 1000 + this.newcomers.length)
    this.newcomers.push(room)
    return room
  }

  /** Marks `peerId` as the adversary's (its frames are timed as hostile). */
  hostile(peerId: PeerId): PeerId {
    this.#hostilePeers.add(peerId)
    return peerId
  }

  /** True for a peer id of an honest room (not a hostile one). */
  isHonest(peerId: PeerId): boolean {
    return !this.#hostilePeers.has(peerId)
  }

  /** A fresh, unprobed transport on the room's network (for an adversary). */
  transport(): Transport {
    return this.network.transport()
  }

  /** `count` distinct honest peer indexes, chosen by the seed. */
  pick(count: number): number[] {
    const random = seededRandom(this.plan.seed ^ 0x7a11)
    const indexes = this.peers.map((p) => p.index)
    for (let k = 0; k < Math.min(count, indexes.length); k++) {
      const j = k + Math.floor(random.next() * (indexes.length - k))
      ;[indexes[k], indexes[j]] = [indexes[j] as number, indexes[k] as number]
    }
    return indexes.slice(0, count)
  }

  /** A random honest peer makes one edit (a new key of the `edits` map). */
  edit(): EditRecord {
    const author = Math.floor(this.random.next() * this.peers.length)
    const key = `e${this.edits.length}`
    const record: EditRecord = { key, author, madeAt: this.clock.now(), seenAt: new Map() }
    this.edits.push(record)
    this.#byKey.set(key, record)
    this.peers[author]?.doc.getMap<number>('edits').set(key, this.edits.length)
    return record
  }

  /**
   * True when every honest peer holds every edit made so far and the same document. Cheap
   * enough to be checked after every timer: digests are compared at most once per virtual
   * 10 ms, and only once every edit arrived everywhere.
   */
  converged(): boolean {
    // seenAt includes the author (its own observer fires too).
    if (this.#seen < this.edits.length * this.peers.length) return false
    const now = this.clock.now()
    if (now < this.#digestsAt + 10) return false
    this.#digestsAt = now
    const digest = documentDigest(this.peers[0]!.doc)
    return this.peers.every((p) => documentDigest(p.doc) === digest)
  }

  /** Closes every room. */
  async close(): Promise<void> {
    await Promise.all([...this.peers.map((p) => p.room.close()), ...this.newcomers.map((r) => r.close())])
  }
}
