/**
 * `pnpm demo`: a swarm of in-process peers running the real Gossamer engine over a lossy
 * memory network on the simulator's virtual clock, all editing one Yjs document. The
 * network splits in two while both halves keep editing, heals, and every peer converges.
 * Everything is deterministic from `--seed`. See ../README.md.
 */
import * as Y from 'yjs'
import { Simulation, type SimPeer } from '@gossamer/testing'
import { USAGE, parseOptions, type DemoOptions } from './args.js'
import { scheduleEdits, textOf, mapOf, totalEdits, type EditCounts } from './edits.js'
import { DigestCache, fingerprint } from './fingerprint.js'
import { Progress, type Snapshot } from './progress.js'
import { summarize } from './summary.js'
import { createStyle, hex, seconds, type Style } from './style.js'

/** Virtual ms per simulation step (the same in every mode, so output does not depend on pacing). */
const STEP_MS = 100
const JOIN_MS = 2_000
const EDIT_MS = 5_000
const SETTLE_MAX_MS = 30_000
const HEAL_MAX_MS = 60_000
/** Average edits per peer per editing phase. */
const EDITS_PER_PEER = 4
/** Virtual ms per wall ms when paced, per phase. */
const SPEED = { joining: 4, editing: 1, partition: 1, settle: 6, heal: 2 } as const

type Phase = 'joining' | 'editing' | 'partition' | 'heal'

async function run(options: DemoOptions, c: Style): Promise<boolean> {
  const out = process.stdout
  const wallStart = performance.now()
  const paced = options.tty && !options.fast
  const n = options.peers
  out.write(
    `\n  ${c.bold('gossamer swarm')} ${c.dim('·')} ${n} peers ${c.dim('·')} seed ${options.seed} ${c.dim('·')} ` +
      `${(options.loss * 100).toFixed(0)}% frame loss ${c.dim('·')} memory network on a virtual clock` +
      `${paced ? '' : c.dim(' · unpaced')}\n\n`,
  )

  const sim = await Simulation.create({ peers: n, seed: options.seed, loss: options.loss })
  const progress = new Progress(out, c, options.tty)
  const counts: EditCounts = { inserts: 0, deletes: 0, sets: 0 }
  const half = Math.floor(n / 2)
  const groupA = sim.peers.slice(0, half)
  const groupB = sim.peers.slice(half)
  let split = false
  const first = (): SimPeer => sim.peers[0] as SimPeer
  const digests = new DigestCache()

  const snapshot = (phase: Phase, detail: string): Snapshot => ({
    phase,
    detail,
    now: sim.clock.now(),
    wallMs: performance.now() - wallStart,
    peers: n,
    groups: digests.group(sim.peers),
    halves: split ? [digests.group(groupA), groupA.length, digests.group(groupB), groupB.length] : undefined,
    wire: sim.network.stats(),
    edits: totalEdits(counts),
    textLength: textOf(first().doc).length,
    mapKeys: mapOf(first().doc).size,
  })

  /**
   * Advances one step and redraws. When paced, waits so that virtual time flows at
   * `speed` virtual ms per wall ms since the speed last changed (a slow step is made up
   * by shorter waits after it, so the demo never runs slower than it must).
   */
  let pace = { speed: 0, wall: 0, virtual: 0 }
  const step = async (phase: Phase, detail: string, speed: number = SPEED[phase]): Promise<Snapshot> => {
    if (speed !== pace.speed) pace = { speed, wall: performance.now(), virtual: sim.clock.now() }
    await sim.run(STEP_MS)
    const s = snapshot(phase, detail)
    progress.show(s)
    if (paced) await sleep(pace.wall + (sim.clock.now() - pace.virtual) / speed - performance.now())
    return s
  }
  const runFor = async (phase: Phase, ms: number, detail: string): Promise<Snapshot> => {
    let s = snapshot(phase, detail)
    for (let t = 0; t < ms; t += STEP_MS) s = await step(phase, detail)
    return s
  }
  const done = (phase: string, text: string): void =>
    progress.log(`  ${c.green('✓')} ${c.bold(phase.padEnd(10))} ${text} ${c.dim(`[t=${seconds(sim.clock.now())}]`)}`)

  // 0. Peers meet each other through the memory network's bootstrap.
  await runFor('joining', JOIN_MS, 'peers meet, build the overlay')
  const degree = sim.peers.reduce((sum, p) => sum + p.room.neighbours().length, 0) / n
  done('joining', `${n} peers in one room, ${degree.toFixed(1)} neighbours each on average`)

  // 1. Everybody edits at once.
  const editsBefore = totalEdits(counts)
  scheduleEdits(sim, sim.peers, EDIT_MS, EDITS_PER_PEER, counts)
  let s = await runFor('editing', EDIT_MS, 'every peer inserts, deletes, sets map keys')
  done(
    'editing',
    `${totalEdits(counts) - editsBefore} concurrent edits by ${n} peers, ${s.groups.distinct} distinct states in flight`,
  )

  // 2. The network splits in two; both halves keep editing.
  split = true
  sim.partition([groupA.map((p) => p.index), groupB.map((p) => p.index)])
  const editsMid = totalEdits(counts)
  scheduleEdits(sim, sim.peers, EDIT_MS, EDITS_PER_PEER, counts)
  const splitDetail = `split ${groupA.length} | ${groupB.length}, both halves keep editing`
  s = await runFor('partition', EDIT_MS, splitDetail)
  const settled = (x: Snapshot): boolean =>
    x.halves !== undefined && x.halves[0].largest === x.halves[1] && x.halves[2].largest === x.halves[3]
  for (let t = 0; !settled(s) && t < SETTLE_MAX_MS; t += STEP_MS)
    s = await step('partition', 'editing stopped, each half settles alone', SPEED.settle)
  const [a, , b] = s.halves ?? [s.groups, 0, s.groups, 0]
  const agreed = settled(s) && a.majority !== b.majority
  const split1 = `${totalEdits(counts) - editsMid} edits while split; ` +
    (agreed ? 'each half converged on its own, the halves differ' : 'the halves did not settle')
  if (agreed) done('partition', split1)
  else progress.log(`  ${c.yellow('!')} ${c.bold('partition'.padEnd(10))} ${split1}`)
  progress.log(
    `  ${' '.repeat(12)} ${c.dim('half A:')} ${a.largest}/${groupA.length} peers on digest ${hex(a.majority)} ` +
      `${c.dim('· half B:')} ${b.largest}/${groupB.length} on ${hex(b.majority)}`,
  )

  // 3. Heal, stop editing, wait for every peer to converge.
  split = false
  sim.heal()
  const healedAt = sim.clock.now()
  let converged = false
  for (let t = 0; t < HEAL_MAX_MS; t += STEP_MS) {
    s = await step('heal', 'network healed, editing stopped, anti-entropy repairs')
    if (s.groups.distinct === 1 && sim.converged()) {
      converged = true
      break
    }
  }
  const healMs = converged ? sim.clock.now() - healedAt : null
  progress.show(s, true)
  if (converged) done('heal', `all ${n} peers converged ${seconds(healMs ?? 0)} (virtual) after healing`)
  else progress.log(`  ${c.red('✗')} ${c.bold('heal'.padEnd(10))} not converged after ${seconds(HEAL_MAX_MS)} (virtual)`)
  progress.finish()

  // The proof.
  const text = textOf(first().doc).toString()
  const summary = summarize(
    {
      fingerprints: sim.alive().map(fingerprint),
      wire: sim.network.stats(),
      loss: options.loss,
      edits: totalEdits(counts),
      docBytes: Y.encodeStateAsUpdate(first().doc).length,
      textPreview: text.length > 64 ? `${text.slice(0, 64)}…` : text,
      healMs,
      virtualMs: sim.clock.now(),
      wallMs: performance.now() - wallStart,
    },
    c,
  )
  out.write(`\n${summary.lines.join('\n')}\n\n`)
  await sim.close()
  return summary.converged && converged
}

function sleep(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms))
}

async function main(): Promise<void> {
  const tty = process.stdout.isTTY === true
  const options = parseOptions(process.argv.slice(2), process.env, tty)
  if (options.help) {
    console.log(USAGE)
    return
  }
  if (tty) {
    process.on('SIGINT', () => {
      process.stdout.write('\x1b[?25h\n')
      process.exit(130)
    })
  }
  const ok = await run(options, createStyle(options.color))
  process.exitCode = ok ? 0 : 1
}

main().catch((error: unknown) => {
  process.stdout.write(process.stdout.isTTY ? '\x1b[?25h' : '')
  console.error(error instanceof RangeError ? `${error.message}\n\n${USAGE}` : error)
  process.exitCode = 1
})
