/**
 * `pnpm bench [-- --only <substring>] [--quick] [--out <dir>]`
 *
 * Runs the bench scenarios (see README.md). Each writes `<out>/<scenario>.json` (figures,
 * targets, versions, date) and its SVG plots beside it; `<out>/SUMMARY.md` gets markdown
 * tables of every scenario result found in `<out>`. Every run is a separate child process
 * (measure.ts), so heap figures are per run. `--quick` runs small N for a smoke test and
 * writes to `bench/results/quick/` unless `--out` is given.
 */
import { execFileSync, fork } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import { cpus, platform, arch, release } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isMeasureMessage, type Measured, type MeasureOptions } from './measure.js'
import { SCENARIOS, targetsTable, type RunOutcome, type Scenario, type ScenarioFile, type Target } from './scenarios.js'
import { STANDALONE, runStandalone } from './standalone.js'

const here = dirname(fileURLToPath(import.meta.url))

interface Args {
  only: string[]
  quick: boolean
  out: string
  help: boolean
}

function parseArgs(argv: string[]): Args {
  const args: Args = { only: [], quick: false, out: '', help: false }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--') continue // pnpm passes the separator through
    if (arg === '--quick') args.quick = true
    else if (arg === '--help' || arg === '-h') args.help = true
    else if (arg === '--only' || arg === '--out') {
      const value = argv[++i]
      if (value === undefined || value.startsWith('--')) throw new Error(`${arg} needs a value`)
      if (arg === '--only') args.only.push(value)
      else args.out = value
    } else if (arg?.startsWith('--only=') === true) args.only.push(arg.slice('--only='.length))
    else if (arg?.startsWith('--out=') === true) args.out = arg.slice('--out='.length)
    else throw new Error(`unknown argument ${String(arg)}`)
  }
  if (args.out === '') args.out = args.quick ? join(here, 'results', 'quick') : join(here, 'results')
  else args.out = resolve(args.out)
  return args
}

async function readVersion(path: string): Promise<string> {
  try {
    const json: unknown = JSON.parse(await readFile(path, 'utf8'))
    if (typeof json === 'object' && json !== null && 'version' in json && typeof json.version === 'string') return json.version
  } catch {
    // fall through
  }
  return 'unknown'
}

async function versions(): Promise<Record<string, string | number>> {
  const cpuList = cpus()
  return {
    node: process.version,
    yjs: await readVersion(join(here, 'node_modules', 'yjs', 'package.json')),
    gossamerCore: await readVersion(join(here, '..', 'packages', 'core', 'package.json')),
    platform: `${platform()} ${release()} ${arch()}`,
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    gitCommit: gitCommit(),
  }
}

/** The checked-out commit (the working tree may differ from it). */
function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: here, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return 'unknown'
  }
}

/**
 * A hash of the engine's sources (`packages/core/src` but its `storage/`, which the
 * simulator does not use, and `packages/testing/src/sim`), taken before and after every
 * run: the checkout is shared, and a scenario whose engine changed under it would mix
 * versions in one result.
 */
async function sourceHash(): Promise<string> {
  const hash = createHash('sha256')
  for (const dir of [join(here, '..', 'packages', 'core', 'src'), join(here, '..', 'packages', 'testing', 'src', 'sim')]) {
    const files = (await readdir(dir, { recursive: true }))
      .filter((f) => f.endsWith('.ts') && !f.startsWith('storage'))
      .sort()
    for (const file of files) hash.update(file).update('\0').update(await readFile(join(dir, file))).update('\0')
  }
  return hash.digest('hex').slice(0, 12)
}

/** JSON with 2-space indentation, but arrays of numbers (and of number pairs, i.e. curves) on one line. */
export function toJson(value: unknown, indent = ''): string {
  const flat = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'number' || x === null)
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]'
    if (flat(value) || value.every(flat)) return JSON.stringify(value)
    const inner = indent + '  '
    return `[\n${value.map((v) => inner + toJson(v, inner)).join(',\n')}\n${indent}]`
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined)
    if (entries.length === 0) return '{}'
    const inner = indent + '  '
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${toJson(v, inner)}`).join(',\n')}\n${indent}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/** Runs one measurement in a child process (fresh heap). */
function runChild(options: MeasureOptions, label: string): Promise<Measured> {
  return new Promise((resolvePromise, reject) => {
    const child = fork(join(here, 'measure.ts'), [], {
      execArgv: [...process.execArgv, '--expose-gc'],
      env: { ...process.env, GOSSAMER_BENCH_CHILD: '1' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    let result: Measured | undefined
    let failure: string | undefined
    const tty = process.stderr.isTTY
    child.on('message', (message: unknown) => {
      if (!isMeasureMessage(message)) return
      if (message.type === 'progress') {
        if (tty) process.stderr.write(`\r  ${label}: t=${(message.ms / 1000).toFixed(2)} s reached ${message.reached}/${message.alive}    `)
      } else if (message.type === 'result') result = message.result
      else failure = message.message
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (tty) process.stderr.write('\r\x1b[K')
      if (result !== undefined) resolvePromise(result)
      else reject(new Error(`${label}: ${failure ?? `child exited with ${signal ?? String(code)}`}`))
    })
    child.send(options)
  })
}

function line(label: string, r: Measured): string {
  const parts = [
    label.padEnd(30),
    `delivered ${r.deliveredFraction.toFixed(4)}`,
    `hops ${r.hopsTo999}/${r.lastDeliveryHop}`,
    `rounds ${r.roundsTo999 ?? '—'}/${r.roundsToConverge ?? '—'}`,
    `ms ${r.virtualMsTo999?.toFixed(0) ?? '—'}/${r.virtualMsToConverge?.toFixed(0) ?? '—'}`,
    `redund ${r.redundancy.toFixed(2)}`,
    `idle ${r.idleBytesPerPeerPerRound.toFixed(1)} B`,
    `busy ${r.bytesPerPeerPerRound.toFixed(1)} B`,
    `wall ${(r.wallMs / 1000).toFixed(1)} s (cpu ${(r.cpuMs / 1000).toFixed(1)} s)`,
    `heap ${r.heapMB} MB`,
  ]
  return parts.join('  ')
}

async function runScenario(scenario: Scenario, args: Args, versionInfo: Record<string, string | number>): Promise<Target[]> {
  const specs = scenario.runs(args.quick)
  console.log(`\n== ${scenario.name} (${specs.length} runs)`)
  const outcomes: RunOutcome[] = []
  const hashes = new Set<string>()
  for (const spec of specs) {
    hashes.add(await sourceHash())
    const result = await runChild(spec.options, spec.label)
    hashes.add(await sourceHash())
    outcomes.push({ spec, result })
    console.log(`  ${line(spec.label, result)}`)
  }
  if (hashes.size > 1) console.warn(`  WARNING: the engine's sources changed during ${scenario.name}; its runs mix versions, run it again`)
  const output = scenario.finish(outcomes, args.quick)
  const file: ScenarioFile = {
    scenario: scenario.name,
    description: scenario.description,
    date: new Date().toISOString(),
    quick: args.quick,
    sourcesChanged: hashes.size > 1,
    versions: { ...versionInfo, sourceHash: [...hashes].join(' → ') },
    parameters: scenario.parameters,
    ...output.figures,
    targets: output.targets,
  }
  await writeFile(join(args.out, `${scenario.name}.json`), toJson(file) + '\n')
  for (const plot of output.plots) await writeFile(join(args.out, plot.file), plot.svg)
  const written = [`${scenario.name}.json`, ...output.plots.map((p) => p.file)].join(', ')
  console.log(`  wrote ${written}`)
  return output.targets
}

/** Markdown tables of every scenario result in `dir`. */
async function summary(dir: string): Promise<string> {
  const present = new Set(await readdir(dir))
  const parts: string[] = []
  const allTargets: Target[] = []
  let stamp = ''
  for (const scenario of SCENARIOS) {
    if (!present.has(`${scenario.name}.json`)) continue
    const file = JSON.parse(await readFile(join(dir, `${scenario.name}.json`), 'utf8')) as ScenarioFile
    const v = file.versions
    stamp = `node ${String(v['node'])}, yjs ${String(v['yjs'])}, @gossamer/core ${String(v['gossamerCore'])}, ${String(v['platform'])}, ${String(v['cpus'])} × ${String(v['cpuModel'])}, commit ${String(v['gitCommit']).slice(0, 7)}`
    parts.push(`### ${scenario.name}${file.quick ? ' (quick)' : ''}\n\n${file.description}\n\n${scenario.markdown(file)}\n`)
    allTargets.push(...file.targets)
  }
  for (const scenario of STANDALONE) {
    if (!present.has(`${scenario.name}.json`)) continue
    const file = JSON.parse(await readFile(join(dir, `${scenario.name}.json`), 'utf8')) as ScenarioFile
    parts.push(`### ${scenario.name}${file.quick ? ' (quick)' : ''}\n\n${file.description}\n\n${scenario.markdown(file)}\n`)
    allTargets.push(...file.targets)
  }
  if (allTargets.length > 0) parts.push(`### targets\n\n${targetsTable(allTargets)}\n`)
  return `## Figures\n\n_${stamp}; generated ${new Date().toISOString().slice(0, 10)}._\n\n${parts.join('\n')}`
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  if (args.help) {
    console.log('usage: pnpm bench [-- --only <substring>] [--quick] [--out <dir>]')
    console.log(`scenarios: ${[...SCENARIOS, ...STANDALONE].map((s) => s.name).join(', ')}`)
    return
  }
  const matches = (name: string): boolean => args.only.length === 0 || args.only.some((o) => name.includes(o))
  const chosen = SCENARIOS.filter((s) => matches(s.name))
  const standalone = STANDALONE.filter((s) => matches(s.name))
  if (chosen.length + standalone.length === 0) throw new Error(`no scenario matches ${args.only.join(', ')} (have ${[...SCENARIOS, ...STANDALONE].map((s) => s.name).join(', ')})`)
  await mkdir(args.out, { recursive: true })
  const versionInfo = await versions()
  const started = performance.now()
  const targets: Target[] = []
  for (const scenario of chosen) targets.push(...(await runScenario(scenario, args, versionInfo)))
  for (const scenario of standalone) {
    console.log(`\n== ${scenario.name}`)
    await runStandalone(scenario, args.out, args.quick)
    const file = JSON.parse(await readFile(join(args.out, `${scenario.name}.json`), 'utf8')) as ScenarioFile
    targets.push(...file.targets)
  }
  const markdown = await summary(args.out)
  await writeFile(join(args.out, 'SUMMARY.md'), markdown)
  console.log(`\n${targetsTable(targets)}`)
  const missed = targets.filter((t) => t.met === false)
  console.log(`\n${chosen.length + standalone.length} scenario(s) in ${((performance.now() - started) / 1000).toFixed(0)} s; results in ${args.out}`)
  if (missed.length > 0) console.log(`targets missed: ${missed.map((t) => `${t.description} (${t.measured ?? ''})`).join('; ')}`)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
})
