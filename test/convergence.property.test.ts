/**
 * Convergence property test: for each seed, a simulated room of 2..20 peers runs a random
 * schedule of edits (Y.Text, Y.Map, Y.Array, top-level and nested), loss changes,
 * partitions, heals, crashes and restarts on the virtual clock. Then the network heals and
 * every replica must hold the same JSON, state vector and delete set, and every ledger key
 * written by a peer whose document was kept must be everywhere.
 *
 * The same schedule runs again in a room with a secret (authenticated, sealed sessions,
 * signed writes, real Ed25519): fewer seeds and at most 8 peers, since every edit is signed
 * and verified for real.
 *
 * A failure prints its seed and its step log; replay one seed with
 * `GOSSAMER_SEED=<seed> pnpm vitest run test/convergence.property.test.ts` (add
 * `-t "with a secret"` for the second describe). `GOSSAMER_SEEDS=<n>` runs seeds 1..n
 * (default 200), `GOSSAMER_SECRET_SEEDS=<n>` seeds 1..n with a secret (default 40).
 */
import { describe, it } from 'vitest'
import { randomInt, seededRandom, type RandomSource } from '@gossamer/core'
import { Simulation } from '@gossamer/testing'
import { randomEdit, TOP_LEVEL } from './support/random-edits.js'
import { compareReplicas, snapshotReplica, type ReplicaSnapshot } from './support/replica-compare.js'

const seeds = (count: number): number[] =>
  process.env.GOSSAMER_SEED !== undefined ? [Number(process.env.GOSSAMER_SEED)] : Array.from({ length: count }, (_, i) => i + 1)
const SEEDS = seeds(Number(process.env.GOSSAMER_SEEDS ?? 200))
const SECRET_SEEDS = seeds(Number(process.env.GOSSAMER_SECRET_SEEDS ?? 40))
/** Random steps per seed. */
const STEPS = Number(process.env.GOSSAMER_STEPS ?? 30)
const ROUND_MS = 200
/** Bound on the final convergence phase, in virtual ms. */
const CONVERGE_MS = 120_000
const LEDGER = 'ledger'
const COMPARED_TYPES = { [TOP_LEVEL.text]: 'text', [TOP_LEVEL.map]: 'map', [TOP_LEVEL.array]: 'array', [LEDGER]: 'map' } as const
/**
 * Error names an honest room may report while peers crash, restart and lose frames: a lost
 * Welcome makes the next frames arrive "before the handshake", glare makes a duplicate
 * connection rejected. An UpdateRejectedError would mean an honest update failed to apply.
 */
const EXPECTED_ERRORS = new Set(['ProtocolError', 'TransportError'])
/**
 * With a secret, the same, plus what an honest room reports when the simulated network
 * drops frames on an open connection (`loss`; real data channels are reliable and ordered,
 * so this only happens here, and it is what the schedule stresses):
 * - FrameOrderError: a sealed frame went missing, so the next one's sequence number skips;
 *   the session is closed, the peers reconnect and anti-entropy repairs what was lost;
 * - AuthenticationError `unexpected-frame`: a lost AuthConfirm, so the acceptor's first
 *   Sealed frame from the dialer arrives while it still waits for the confirmation;
 * - AbortError, only from a room that is closing: a peer that crashes while its keys are
 *   still being derived reports that its start was aborted (by its own close);
 * - AuthenticationError `crowded`: more than 8 inbound connections were authenticating at
 *   one peer, so the oldest was closed (it redials). A reconnect storm after a partition
 *   heals can reach that when real crypto lags the virtual clock on a loaded machine (a CI
 *   run saw it once, seed 8; five loaded local runs did not).
 * Never AuthorshipError, UnauthorizedWriteError, SignatureError or EquivocationError: each
 * would mean an honest peer's signed write was refused or mis-chained.
 */
const TRUSTED_EXPECTED_ERRORS = new Set([...EXPECTED_ERRORS, 'FrameOrderError', 'AuthenticationError:unexpected-frame', 'AuthenticationError:crowded', 'AbortError:closing'])

/** Everything one seeded run keeps besides the simulation. */
class Run {
  readonly log: string[] = []
  /** Ledger keys every replica must hold at the end, with the peer that wrote each. */
  readonly expected = new Map<string, number>()
  /** Error events seen, by name, and the first few messages. */
  readonly errors = new Map<string, number>()
  readonly errorSamples: string[] = []
  #ledgerCounter = 0

  constructor(
    readonly seed: number,
    readonly sim: Simulation,
    readonly random: RandomSource,
  ) {
    for (const peer of sim.peers) this.watch(peer.index)
  }

  /** The room has a secret. */
  get trusted(): boolean {
    return this.sim.options.secret !== undefined
  }

  step(text: string): void {
    this.log.push(`#${this.log.length} t=${this.sim.clock.now()} ${text}`)
  }

  /** Collects the error events of peer `index`'s current room. */
  watch(index: number): void {
    const peer = this.sim.peers[index]
    if (peer === undefined) return
    peer.room.on('error', ({ error }) => {
      // An AuthenticationError counts by its reason: only some reasons are expected.
      const reason = (error as { reason?: unknown }).reason
      let name = error.name === 'AuthenticationError' && typeof reason === 'string' ? `${error.name}:${reason}` : error.name
      // An AbortError from a room that is closing itself (not from a live one).
      if (name === 'AbortError' && peer.room.closed) name = 'AbortError:closing'
      this.errors.set(name, (this.errors.get(name) ?? 0) + 1)
      if (this.errorSamples.length < 10) this.errorSamples.push(`p${index} ${error.name}: ${error.message}`)
      // An error no honest run should report: keep where it came from.
      const expected = this.trusted ? TRUSTED_EXPECTED_ERRORS : EXPECTED_ERRORS
      if (!expected.has(name) && this.errorSamples.length < 20) this.errorSamples.push(`  at ${error.stack?.split('\n').slice(1, 6).join(' ← ') ?? '?'}`)
    })
  }

  /** One edit plus one ledger entry on peer `index`'s document, in one transaction. */
  edit(index: number, online: boolean): void {
    const peer = this.sim.peers[index]
    if (peer === undefined) return
    const key = `${peer.peerId}#${this.#ledgerCounter++}`
    let description = ''
    peer.doc.transact(() => {
      description = randomEdit(peer.doc, this.random)
      peer.doc.getMap(LEDGER).set(key, this.sim.clock.now())
    })
    this.expected.set(key, index)
    this.step(`${online ? 'edit' : 'offline edit'} p${index} ${description} ledger=${key}`)
  }

  /**
   * Peer `index` restarts with an empty document: ledger keys that no other document
   * (live or crashed) holds are gone for good, so they leave the expectations.
   */
  forgetWiped(index: number): void {
    const others = this.sim.peers.filter((p) => p.index !== index).map((p) => p.doc.getMap(LEDGER))
    const lost: string[] = []
    for (const key of this.expected.keys()) {
      if (!others.some((ledger) => ledger.has(key))) lost.push(key)
    }
    for (const key of lost) this.expected.delete(key)
    if (lost.length > 0) this.step(`  (wipe drops ledger keys held nowhere else: ${lost.join(' ')})`)
  }

  report(problems: string[]): string {
    const { peers, latency } = this.sim.options
    return [
      `convergence failed for seed ${this.seed}${this.trusted ? ' with a secret' : ''} (${peers} peers, latency ${latency.min}..${latency.max} ms, roundMs ${ROUND_MS}; the first step names the room options)`,
      `replay: GOSSAMER_SEED=${this.seed} pnpm vitest run test/convergence.property.test.ts${this.trusted ? ' -t "with a secret"' : ''}`,
      'problems:',
      ...problems.map((p) => `  ${p}`),
      `room errors: ${JSON.stringify(Object.fromEntries(this.errors))}`,
      ...this.errorSamples.map((s) => `  ${s}`),
      'steps:',
      ...this.log.map((s) => `  ${s}`),
    ].join('\n')
  }
}

function liveIndexes(sim: Simulation): number[] {
  return sim.peers.filter((p) => p.alive).map((p) => p.index)
}

function deadIndexes(sim: Simulation): number[] {
  return sim.peers.filter((p) => !p.alive).map((p) => p.index)
}

function choose(random: RandomSource, items: readonly number[]): number | undefined {
  return items.length === 0 ? undefined : items[randomInt(random, items.length)]
}

/** One random step of the schedule. */
async function randomStep(run: Run): Promise<void> {
  const { sim, random } = run
  const roll = random.next()
  if (roll < 0.42) {
    // A burst of concurrent edits on random live peers.
    const burst = 1 + randomInt(random, 3)
    for (let i = 0; i < burst; i++) {
      const index = choose(random, liveIndexes(sim))
      if (index !== undefined) run.edit(index, true)
    }
  } else if (roll < 0.45) {
    const index = choose(random, deadIndexes(sim))
    // With a secret, an edit made to a document no room is attached to is never signed, so
    // by design it stays on that device (a restart loads the signed state from storage):
    // there is no offline edit to check. Offline edits with a secret go through a room that
    // is disconnected, which the room tests cover.
    if (index !== undefined && !run.trusted) run.edit(index, false)
  } else if (roll < 0.66) {
    const ms = randomInt(random, 2000)
    run.step(`advance ${ms} ms`)
    await sim.run(ms)
  } else if (roll < 0.71) {
    const loss = Math.round(random.next() * 30) / 100
    run.step(`loss ${loss}`)
    sim.network.setLoss(loss)
  } else if (roll < 0.77) {
    const count = 2 + randomInt(random, 2)
    const groups: number[][] = Array.from({ length: count }, () => [])
    for (const peer of sim.peers) groups[randomInt(random, count)]?.push(peer.index)
    run.step(`partition ${JSON.stringify(groups)}`)
    sim.partition(groups)
  } else if (roll < 0.82) {
    run.step('heal')
    sim.heal()
  } else if (roll < 0.9) {
    const live = liveIndexes(sim)
    const index = choose(random, live)
    if (index === undefined || live.length < 2) return
    const silent = random.next() < 0.5
    run.step(`crash p${index} silent=${silent}`)
    await sim.crash(index, { silent })
  } else {
    const index = choose(random, deadIndexes(sim))
    if (index === undefined) return
    const keepDoc = random.next() < 0.7
    run.step(`restart p${index} keepDoc=${keepDoc}`)
    if (!keepDoc) run.forgetWiped(index)
    await sim.restart(index, { keepDoc })
    run.watch(index)
  }
}

/** Heals everything, restarts every crashed peer with its document and waits for convergence. */
async function settle(run: Run): Promise<boolean> {
  const { sim } = run
  run.step('final: heal, loss 0, restart crashed peers with keepDoc')
  sim.heal()
  sim.network.setLoss(0)
  for (const index of deadIndexes(sim)) {
    await sim.restart(index, { keepDoc: true })
    run.watch(index)
  }
  const start = sim.clock.now()
  while (!sim.converged()) {
    if (sim.clock.now() - start >= CONVERGE_MS) return false
    await sim.run(ROUND_MS)
  }
  run.step(`converged after ${sim.clock.now() - start} virtual ms`)
  return true
}

function check(run: Run, converged: boolean): string[] {
  const { sim } = run
  const problems: string[] = []
  if (!converged) problems.push(`sim.converged() still false after ${CONVERGE_MS} virtual ms`)
  const snapshots = new Map<string, ReplicaSnapshot>()
  for (const peer of sim.peers) {
    if (!peer.alive) problems.push(`p${peer.index} is not alive at the end`)
    snapshots.set(`p${peer.index}`, snapshotReplica(peer.doc, COMPARED_TYPES))
  }
  problems.push(...compareReplicas(snapshots))
  for (const peer of sim.peers) {
    const ledger = peer.doc.getMap(LEDGER)
    const missing = [...run.expected.keys()].filter((key) => !ledger.has(key))
    if (missing.length > 0) problems.push(`p${peer.index} lost ledger keys: ${missing.join(' ')}`)
  }
  const expected = run.trusted ? TRUSTED_EXPECTED_ERRORS : EXPECTED_ERRORS
  for (const name of run.errors.keys()) {
    if (!expected.has(name)) problems.push(`a room reported an unexpected error: ${name}`)
  }
  return problems
}

async function runSeed(seed: number, trusted = false): Promise<void> {
  const random = seededRandom(seed ^ 0x2545f491)
  const peers = trusted ? 2 + randomInt(random, 7) : 2 + randomInt(random, 19)
  const min = 1 + randomInt(random, 40)
  const latency = { min, max: min + randomInt(random, 100) }
  // Small active views and anti-entropy-only rooms stress membership and repair. Not below
  // From 2 (the smallest overlay that can form chains and cycles, engine regression 3) to 8.
  const maxNeighbours = 2 + randomInt(random, 7)
  const push = random.next() < 0.85
  // A secret of 32 seeded bytes: the run replays from its seed.
  const secret = trusted ? Uint8Array.from({ length: 32 }, () => randomInt(random, 256)) : undefined
  const sim = await Simulation.create({ peers, seed, latency, room: { roundMs: ROUND_MS, maxNeighbours, push }, ...(secret === undefined ? {} : { secret }) })
  const run = new Run(seed, sim, random)
  run.step(`start: ${peers} peers, latency ${latency.min}..${latency.max} ms, maxNeighbours ${maxNeighbours}, push ${push}`)
  let problems: string[]
  try {
    for (let i = 0; i < STEPS; i++) await randomStep(run)
    problems = check(run, await settle(run))
  } catch (error) {
    problems = [`threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`]
  } finally {
    await sim.close()
  }
  if (problems.length > 0) throw new Error(run.report(problems))
}

describe('convergence under random edits, loss, partitions and crashes', () => {
  it.each(SEEDS)('seed %i', async (seed) => {
    await runSeed(seed)
  })
})

describe('convergence with a secret under random edits, loss, partitions and crashes', () => {
  it.each(SECRET_SEEDS)('seed %i', async (seed) => {
    await runSeed(seed, true)
  })
})
