/**
 * One seeded fault schedule with persisted identities: 3 to 5 peers, each on its own
 * in-memory "disk" behind a fault-injecting adapter, run on virtual time through random
 * edits, flushes (which acknowledge edits), partitions, heals, loss, crashes (the disk stops
 * mid-write and the peer vanishes) and restarts from disk. At the end every peer is closed and
 * reopened from its disk, the network heals, and the schedule checks:
 *
 * - every replica converges (equal digests and equal JSON);
 * - every acknowledged edit (its `flush()` resolved before any crash) is everywhere;
 * - reopenings do not grow state vectors: the document holds at most one clientID per peer
 *   plus one per crash (a crash may leave an identity dirty, which is never reused).
 */
import * as Y from 'yjs'
import {
  createRoom,
  documentDigest,
  faultyStorage,
  memoryNetwork,
  memoryStorage,
  randomInt,
  seededRandom,
  VirtualClock,
  type FaultyStorage,
  type MemoryNetwork,
  type RandomSource,
  type Room,
  type StorageAdapter,
} from '@gossamer/core'

const ROUND_MS = 200
const CONVERGE_MS = 60_000
const ROOM = 'fault-tier'
/** Error names an honest peer may report under these faults. */
const EXPECTED = new Set(['StorageCrashError', 'StorageError', 'TransportError', 'ProtocolError', 'RoomClosedError', 'IdentityLostError'])

interface Peer {
  index: number
  disk: StorageAdapter
  storage: FaultyStorage
  room: Room
  doc: Y.Doc
  alive: boolean
}

/** The outcome of one schedule: problems found (empty: passed) and its step log. */
export interface ScheduleResult {
  problems: string[]
  log: string[]
}

class Schedule {
  readonly clock = new VirtualClock()
  readonly network: MemoryNetwork
  readonly random: RandomSource
  readonly peers: Peer[] = []
  readonly log: string[] = []
  /** Ledger keys whose flush resolved, and the peer that wrote them. */
  readonly acked = new Map<string, number>()
  readonly unexpected: string[] = []
  /** Peers closed cleanly at the end that came back under another identity. */
  readonly renamed: string[] = []
  crashes = 0
  #counter = 0
  #seed: number

  constructor(seed: number) {
    this.#seed = seed
    this.random = seededRandom(seed ^ 0x51ed270b)
    this.network = memoryNetwork({ clock: this.clock, random: seededRandom(seed), latency: { min: 5, max: 40 } })
  }

  step(text: string): void {
    this.log.push(`#${this.log.length} t=${this.clock.now()} ${text}`)
  }

  open(index: number, disk: StorageAdapter): Peer {
    const storage = faultyStorage(disk)
    const doc = new Y.Doc()
    const room = createRoom({
      name: ROOM,
      doc,
      transports: [this.network.transport()],
      storage,
      clock: this.clock,
      random: seededRandom((this.#seed * 131 + index * 17 + this.#counter++) >>> 0),
      roundMs: ROUND_MS,
      presence: false,
    })
    room.on('error', ({ error }) => {
      if (!EXPECTED.has(error.name) && this.unexpected.length < 5) this.unexpected.push(`p${index} ${error.name}: ${error.message}`)
    })
    const peer: Peer = { index, disk, storage, room, doc, alive: true }
    this.peers[index] = peer
    return peer
  }

  live(): Peer[] {
    return this.peers.filter((p) => p.alive)
  }

  async edit(peer: Peer, flush: boolean): Promise<void> {
    const key = `p${peer.index}#${this.#counter++}`
    peer.doc.transact(() => {
      const text = peer.doc.getText('t')
      text.insert(randomInt(this.random, text.length + 1), String.fromCharCode(97 + randomInt(this.random, 26)))
      peer.doc.getMap('ledger').set(key, peer.index)
    })
    if (!flush) {
      this.step(`edit p${peer.index} ${key}`)
      return
    }
    try {
      await peer.room.flush({ signal: AbortSignal.timeout(5000) })
      this.acked.set(key, peer.index)
      this.step(`edit+flush p${peer.index} ${key} (acknowledged)`)
    } catch (error) {
      this.step(`edit+flush p${peer.index} ${key} failed: ${(error as Error).name}`)
    }
  }

  async crash(peer: Peer): Promise<void> {
    peer.alive = false
    peer.storage.crash()
    this.crashes++
    this.network.kill(peer.room.peerId, { silent: true })
    await peer.room.close()
    this.step(`crash p${peer.index}`)
  }

  async restart(peer: Peer): Promise<void> {
    const next = this.open(peer.index, peer.disk)
    await next.room.whenLoaded().catch(() => undefined)
    this.step(`restart p${peer.index} as ${next.room.peerId}`)
  }

  async randomStep(): Promise<void> {
    const roll = this.random.next()
    const live = this.live()
    const pickLive = (): Peer | undefined => live[randomInt(this.random, live.length)]
    if (roll < 0.35) {
      const peer = pickLive()
      if (peer !== undefined) await this.edit(peer, this.random.next() < 0.6)
    } else if (roll < 0.55) {
      const ms = randomInt(this.random, 1500)
      this.step(`advance ${ms}`)
      await this.clock.advance(ms)
    } else if (roll < 0.63) {
      const groups: string[][] = [[], []]
      for (const peer of this.peers) groups[randomInt(this.random, 2)]?.push(peer.room.peerId)
      this.step(`partition ${JSON.stringify(groups.map((g) => g.length))}`)
      this.network.partition(groups)
    } else if (roll < 0.7) {
      this.step('heal')
      this.network.heal()
    } else if (roll < 0.75) {
      const loss = Math.round(this.random.next() * 25) / 100
      this.step(`loss ${loss}`)
      this.network.setLoss(loss)
    } else if (roll < 0.85) {
      const peer = pickLive()
      if (peer !== undefined && live.length > 1) await this.crash(peer)
    } else {
      const dead = this.peers.filter((p) => !p.alive)
      const peer = dead[randomInt(this.random, dead.length)]
      if (peer !== undefined) await this.restart(peer)
    }
  }

  /** Every peer closed (or already crashed) and reopened from its disk; the network healed. */
  async reopenAll(): Promise<void> {
    this.network.heal()
    this.network.setLoss(0)
    const clean = new Map<number, string>()
    for (const peer of [...this.peers]) {
      if (peer.alive) {
        peer.alive = false
        await peer.room.close()
        if (!peer.storage.crashed) clean.set(peer.index, peer.room.peerId)
      }
    }
    for (const peer of [...this.peers]) await this.restart(peer)
    for (const [index, before] of clean) {
      const after = this.peers[index]?.room.peerId
      if (after !== before) this.renamed.push(`p${index}: ${before} → ${String(after)}`)
    }
    this.step('final: every peer reopened from its disk')
  }

  converged(): boolean {
    const docs = this.live().map((p) => p.doc)
    const first = docs[0]
    if (first === undefined) return true
    const digest = documentDigest(first)
    return docs.every((d) => documentDigest(d) === digest)
  }

  check(converged: boolean): string[] {
    const problems: string[] = []
    if (!converged) problems.push(`no convergence within ${CONVERGE_MS} virtual ms`)
    const json = this.live().map((p) => JSON.stringify(p.doc.getText('t').toString()))
    if (new Set(json).size > 1) problems.push(`texts differ: ${json.join(' | ')}`)
    for (const peer of this.live()) {
      const ledger = peer.doc.getMap('ledger')
      const missing = [...this.acked.keys()].filter((key) => !ledger.has(key))
      if (missing.length > 0) problems.push(`p${peer.index} misses acknowledged edits ${missing.join(' ')}`)
      const clients = Y.decodeStateVector(Y.encodeStateVector(peer.doc)).size
      const allowed = this.peers.length + this.crashes
      if (clients > allowed) problems.push(`p${peer.index}'s state vector names ${clients} clients, more than ${this.peers.length} peers + ${this.crashes} crashes`)
    }
    problems.push(...this.unexpected.map((e) => `unexpected error ${e}`))
    problems.push(...this.renamed.map((r) => `a clean reopen took another identity: ${r}`))
    return problems
  }
}

/** Runs schedule `seed` with `steps` random steps. */
export async function runSchedule(seed: number, steps: number): Promise<ScheduleResult> {
  const schedule = new Schedule(seed)
  const count = 3 + randomInt(schedule.random, 3)
  schedule.step(`start: ${count} peers`)
  try {
    for (let i = 0; i < count; i++) schedule.open(i, memoryStorage())
    await Promise.all(schedule.peers.map((p) => p.room.whenLoaded()))
    for (let i = 0; i < steps; i++) await schedule.randomStep()
    await schedule.reopenAll()
    const start = schedule.clock.now()
    while (!schedule.converged() && schedule.clock.now() - start < CONVERGE_MS) await schedule.clock.advance(ROUND_MS)
    // A little longer, so late duplicates and presence settle before the comparison.
    await schedule.clock.advance(ROUND_MS)
    return { problems: schedule.check(schedule.converged()), log: schedule.log }
  } catch (error) {
    return { problems: [`threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`], log: schedule.log }
  } finally {
    await Promise.all(schedule.live().map((p) => p.room.close()))
  }
}
