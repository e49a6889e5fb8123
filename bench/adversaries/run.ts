/**
 * `pnpm bench -- --only adversaries` (or `npx tsx --conditions=source bench/adversaries/run.ts [--quick] [--out DIR]`):
 * the seeded room under each adversary of the scenario table (table.ts), against the same
 * room without it. See README.md beside this file for the figures.
 */
import { execFileSync } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { cpus, loadavg, platform, release, arch } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { summarise, targetsOf, type SeedRuns, type Target } from './evaluate.js'
import { measureRun, type RunPlan } from './measure.js'
import { adversariesSvg } from './report.js'
import { ADVERSARY_TABLE } from './table.js'

const here = dirname(fileURLToPath(import.meta.url))
const args = process.argv.slice(2)
const quick = args.includes('--quick')
const outIndex = args.indexOf('--out')
const out = outIndex >= 0 ? (args[outIndex + 1] as string) : join(here, '..', 'results', quick ? 'quick' : '')
const only = args.flatMap((a, i) => (args[i - 1] === '--adversary' ? [a] : []))

const SEEDS = quick ? [1] : [1, 2, 3]
const plan = (seed: number): RunPlan => ({
  seed,
  peers: quick ? 12 : 16,
  latency: { min: 25, max: 75 },
  roundMs: 1000,
  warmupMs: 5000,
  editEveryMs: 100,
  leadMs: 2000,
  attackMs: quick ? 5000 : 10_000,
  settleMs: 10_000,
})

async function readJson(path: string): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>
  } catch {
    return undefined
  }
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: here, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return 'unknown'
  }
}

/** The signaling scenario's join-under-10,000-sockets figure, from its JSON (this bench does not redo it). */
async function signalingReference(): Promise<Record<string, unknown> | undefined> {
  for (const dir of [out, join(here, '..', 'results')]) {
    const file = await readJson(join(dir, 'signaling.json'))
    const target = (file?.['targets'] as Target[] | undefined)?.[0]
    if (file !== undefined && target !== undefined) return { file: 'signaling.json', date: file['date'], quick: file['quick'], description: target.description, target: target.target, measured: target.measured, met: target.met }
  }
  return undefined
}

const entries = ADVERSARY_TABLE.filter((e) => only.length === 0 || only.includes(e.name))
const load = loadavg()
const started = performance.now()
const seeds: SeedRuns[] = []
for (const seed of SEEDS) {
  const baseline = await measureRun(plan(seed), undefined)
  console.log(`seed ${seed} baseline: p50 ${baseline.latency.p50} p99 ${baseline.latency.p99} ms (cpu ${baseline.cpuMs} ms)`)
  const attacks = []
  for (const entry of entries) {
    const run = await measureRun(plan(seed), entry)
    attacks.push(run)
    console.log(
      `seed ${seed} ${entry.name}: p50 ${run.latency.p50} p99 ${run.latency.p99} ms, cut off ${run.cutOffMs ?? 'never'} ms, frame max ${run.frameCost.hostileMaxMs} ms, amplification ${run.presence.amplification} (cpu ${run.cpuMs} ms)`,
    )
  }
  seeds.push({ seed, baseline, attacks })
}

const p = plan(SEEDS[0] as number)
const summary = entries.map((entry) => summarise(entry.name, seeds))
const targets = entries.flatMap((entry, i) => targetsOf(entry, summary[i]!, SEEDS.length, p))
const yjs = await readJson(join(here, '..', 'node_modules', 'yjs', 'package.json'))
const core = await readJson(join(here, '..', '..', 'packages', 'core', 'package.json'))
const result = {
  scenario: 'adversaries',
  description: `honest edits in a seeded room of ${p.peers} peers (50 ± 25 ms links, virtual clock) without and with each adversary of @gossamer/testing; cut-off time, per-frame CPU, presence amplification (bench/adversaries/README.md)`,
  date: new Date().toISOString(),
  quick,
  versions: {
    node: process.version,
    yjs: String(yjs?.['version'] ?? 'unknown'),
    gossamerCore: String(core?.['version'] ?? 'unknown'),
    platform: `${platform()} ${release()} ${arch()}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    gitCommit: gitCommit(),
  },
  loadAverage: { before: load, after: loadavg() },
  parameters: { seeds: SEEDS, ...p, seed: undefined, adversaries: entries.map((e) => ({ name: e.name, description: e.description, settings: e.settings, targets: e.targets })) },
  cpuSeconds: Math.round(process.cpuUsage().user / 1e5) / 10,
  wallSeconds: Math.round((performance.now() - started) / 100) / 10,
  runs: seeds.flatMap((s) => [{ seed: s.seed, ...s.baseline }, ...s.attacks.map((a) => ({ seed: s.seed, ...a }))]),
  summary,
  signaling: await signalingReference(),
  targets,
}
await mkdir(out, { recursive: true })
await writeFile(join(out, 'adversaries.json'), JSON.stringify(result, null, 2) + '\n')
const subtitle = `${p.peers} honest peers, 50 ± 25 ms links, an edit every ${p.editEveryMs} ms, ${p.attackMs / 1000} s attack; seeds ${SEEDS.join(', ')}${quick ? ' (quick)' : ''}`
await writeFile(join(out, 'adversaries.svg'), adversariesSvg(summary, subtitle))
for (const t of targets) console.log(`${t.met ? 'met ' : 'MISS'}  ${t.description}: ${t.measured} (target ${t.target})`)
console.log(`wrote adversaries.json, adversaries.svg to ${out}`)
