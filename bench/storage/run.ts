/**
 * `tsx --conditions=source bench/storage/run.ts [--only <name>]... [--quick] [--out <dir>]`
 *
 * Storage bench scenarios (names for `--only`; default all): `append`, `per-edit`,
 * `open-close`, `node`, `trusted`. Each writes `<out>/<scenario>.json` and `.svg` (default
 * `bench/results`); see bench/README.md. The `append` scenario (storage.json):
 *
 * Gossamer's DocStore on `indexeddb()` vs y-indexeddb 9, both on
 * fake-indexeddb, in one harness. For 10k and 100k small edits (typing with a moving
 * cursor, ~10% backspaces, an event-loop turn every 100 edits) it measures append
 * throughput until durable, load time into a fresh Y.Doc, records and bytes stored vs
 * `Y.encodeStateAsUpdate`, and IndexedDB writes; then 1,000 opens of an unchanged document.
 * Writes `<out>/storage.json` and `<out>/storage.svg` (default `bench/results`).
 */
import 'fake-indexeddb/auto'
import { execFileSync } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { cpus, loadavg, platform, release, arch } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { seededRandom, randomInt, type RandomSource } from '@gossamer/core'
import * as Y from 'yjs'
import { compact, groupedBarChart, type BarPanel } from './bars.js'
import { nodeLoadReport, openCloseReport, perEditReport } from './reports.js'
import { trustedLoadReport } from './trusted-report.js'
import { countIdbWrites, gossamer, trimYIndexeddb, yIndexeddb, type System } from './systems.js'

const here = dirname(fileURLToPath(import.meta.url))
const argv = process.argv.slice(2).filter((arg) => arg !== '--')
const quick = argv.includes('--quick')
const outIndex = argv.indexOf('--out')
const outDir = outIndex >= 0 && argv[outIndex + 1] !== undefined ? resolve(argv[outIndex + 1] as string) : join(here, '..', 'results', quick ? 'quick' : '')
const SCENARIO_NAMES = ['append', 'per-edit', 'open-close', 'node', 'trusted'] as const
const only = argv.flatMap((arg, i) => (argv[i - 1] === '--only' ? [arg] : []))
for (const name of only) if (!(SCENARIO_NAMES as readonly string[]).includes(name)) throw new Error(`unknown scenario ${name}; one of ${SCENARIO_NAMES.join(', ')}`)
const selected = (name: (typeof SCENARIO_NAMES)[number]): boolean => only.length === 0 || only.includes(name)

const EDITS = quick ? [1_000, 5_000] : [10_000, 100_000]
/**
 * y-indexeddb stores every update as its own record; on fake-indexeddb each add to a growing
 * store costs more, and 100k adds take many minutes. An append that passes this budget stops
 * there: its throughput is reported over the edits made, and its store is not measured.
 */
const APPEND_BUDGET_MS = quick ? 20_000 : 60_000
const YIELD_EVERY = 100
const LOAD_TRIALS = quick ? 5 : 15
const LOAD_WARMUP = 5
/** Slow loads (y-indexeddb's untrimmed 100k log) stop after this much time once 3 trials ran. */
const LOAD_BUDGET_MS = 6_000
const OPEN_WARMUP = 50
const OPENS = quick ? 100 : 1_000
const OPEN_DOC_EDITS = 100
const SEED = 1

// A full GC before every timed load and open series keeps one system's garbage out of the
// other's figures (without it, loads right after a 100k-edit append pay for its collection).
setFlagsFromString('--expose-gc')
const collect = runInNewContext('gc') as () => void

const writes = countIdbWrites()
let dbCounter = 0
const freshDb = (label: string): string => `bench-${label}-${process.pid}-${++dbCounter}`
const turn = (): Promise<void> => new Promise((done) => setImmediate(done))
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number
const round = (value: number, digits = 2): number => Number(value.toFixed(digits))

/** One small edit: type at the cursor, sometimes backspace, sometimes move the cursor. */
function edit(text: Y.Text, random: RandomSource, cursor: { at: number }): void {
  const roll = random.next()
  if (roll < 0.05) cursor.at = randomInt(random, text.length + 1)
  if (roll < 0.15 && cursor.at > 0) {
    text.delete(cursor.at - 1, 1)
    cursor.at--
  } else {
    text.insert(cursor.at, String.fromCharCode(97 + randomInt(random, 26)))
    cursor.at++
  }
}

/**
 * Makes `count` edits on `doc`, one transaction each, yielding every {@link YIELD_EVERY};
 * stops early at `deadline` (performance.now() ms). Returns the edits made.
 */
async function makeEdits(doc: Y.Doc, count: number, seed: number, deadline = Infinity): Promise<number> {
  const random = seededRandom(seed)
  const text = doc.getText('t')
  const cursor = { at: text.length }
  for (let i = 0; i < count; i++) {
    edit(text, random, cursor)
    if ((i + 1) % YIELD_EVERY === 0) {
      await turn()
      if (performance.now() > deadline) return i + 1
    }
  }
  return count
}

interface Run extends Record<string, unknown> {
  system: string
  edits: number
  /** Edits made before the append budget ran out (= edits when complete). */
  editsDone: number
  complete: boolean
  appendMs: number
  appendEditsPerSec: number
  appendIdbWrites: number
  records: number | null
  bytes: number | null
  stateBytes: number
  bytesRatio: number | null
  loadMs: number | null
  loadMsMin: number | null
  loadMsAll: number[]
  loadIdbWrites: number | null
}

interface Appended {
  editsDone: number
  dbName: string
  expected: string
  stateBytes: number
  appendMs: number
  appendIdbWrites: number
}

/** Opens a fresh store, makes `edits` edits, waits until durable, closes. */
async function append(system: System, edits: number): Promise<Appended> {
  const dbName = freshDb(`${system.name}-${edits}`)
  const doc = new Y.Doc()
  const opened = await system.open(dbName, doc)
  const writesBefore = writes.count
  const start = performance.now()
  const editsDone = await makeEdits(doc, edits, SEED, start + APPEND_BUDGET_MS)
  await opened.durable()
  const appendMs = performance.now() - start
  const appendIdbWrites = writes.count - writesBefore
  await opened.close()
  return { editsDone, dbName, expected: doc.getText('t').toString(), stateBytes: Y.encodeStateAsUpdate(doc).byteLength, appendMs, appendIdbWrites }
}

/** What is stored, and the median time of loading it into a fresh Y.Doc (after warm-up loads). */
async function measureStored(system: System, label: string, appended: Appended, edits: number): Promise<Run> {
  const append = {
    system: label,
    edits,
    editsDone: appended.editsDone,
    complete: appended.editsDone === edits,
    appendMs: round(appended.appendMs, 1),
    appendEditsPerSec: Math.round((appended.editsDone / appended.appendMs) * 1000),
    appendIdbWrites: appended.appendIdbWrites,
    stateBytes: appended.stateBytes,
  }
  if (!append.complete) {
    return { ...append, records: null, bytes: null, bytesRatio: null, loadMs: null, loadMsMin: null, loadMsAll: [], loadIdbWrites: null }
  }
  const stored = await system.stored(appended.dbName)
  const loadMsAll: number[] = []
  let loadIdbWrites = 0
  const budgetStart = performance.now()
  for (let trial = -LOAD_WARMUP; trial < LOAD_TRIALS; trial++) {
    const slow = loadMsAll.length > 0 && (loadMsAll[loadMsAll.length - 1] as number) > 2000
    if (performance.now() - budgetStart > LOAD_BUDGET_MS && (loadMsAll.length >= 3 || slow)) break
    collect()
    const fresh = new Y.Doc()
    const before = writes.count
    const t0 = performance.now()
    const again = await system.open(appended.dbName, fresh)
    const ms = performance.now() - t0
    if (fresh.getText('t').toString() !== appended.expected) throw new Error(`${label}: loaded document differs`)
    await again.close()
    if (trial < 0 && ms < 2000) continue // warm-up (a very slow load warms up enough by itself)
    loadMsAll.push(ms)
    loadIdbWrites += writes.count - before
  }
  return {
    ...append,
    records: stored.records,
    bytes: stored.bytes,
    bytesRatio: round(stored.bytes / appended.stateBytes, 3),
    loadMs: round(median(loadMsAll)),
    loadMsMin: round(Math.min(...loadMsAll)),
    loadMsAll: loadMsAll.map((ms) => round(ms)),
    loadIdbWrites: loadIdbWrites / loadMsAll.length,
  }
}

interface Opens extends Record<string, unknown> {
  system: string
  opens: number
  totalMs: number
  perOpenMs: number
  idbWrites: number
  writesPerOpen: number
}

async function measureOpens(system: System): Promise<Opens> {
  const dbName = freshDb(`${system.name}-opens`)
  const doc = new Y.Doc()
  const opened = await system.open(dbName, doc)
  await makeEdits(doc, OPEN_DOC_EDITS, SEED + 1)
  await opened.durable()
  await opened.close()
  for (let i = 0; i < OPEN_WARMUP; i++) await (await system.open(dbName, new Y.Doc())).close()
  collect()
  const before = writes.count
  const start = performance.now()
  for (let i = 0; i < OPENS; i++) {
    const again = await system.open(dbName, new Y.Doc())
    await again.close()
  }
  const totalMs = performance.now() - start
  const idbWrites = writes.count - before
  return { system: system.name, opens: OPENS, totalMs: round(totalMs, 1), perOpenMs: round(totalMs / OPENS, 3), idbWrites, writesPerOpen: round(idbWrites / OPENS, 3) }
}

async function version(path: string): Promise<string> {
  try {
    const json = JSON.parse(await readFile(path, 'utf8')) as { version?: unknown }
    return typeof json.version === 'string' ? json.version : 'unknown'
  } catch {
    return 'unknown'
  }
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: here, encoding: 'utf8' }).trim()
  } catch {
    return 'unknown'
  }
}

async function main(): Promise<void> {
  if (selected('append')) await appendScenario()
  if (selected('per-edit')) await perEditReport({ quick, outDir })
  if (selected('open-close')) await openCloseReport({ quick, outDir })
  if (selected('node')) await nodeLoadReport({ quick, outDir })
  if (selected('trusted')) await trustedLoadReport({ quick, outDir })
}

async function appendScenario(): Promise<void> {
  const started = performance.now()
  const loadBefore = loadavg().map((v) => round(v))
  const g = gossamer()
  const y = yIndexeddb({ deferTrim: true })
  const Y_AT_ONCE = 'y-indexeddb (closed at once)'
  const Y_TRIMMED = 'y-indexeddb (after its trim)'
  const runs: Run[] = []
  const log = (run: Run): void => {
    runs.push(run)
    console.error(`${run.system} ${run.edits} edits: ${JSON.stringify(run)}`)
  }
  for (const edits of EDITS) {
    log(await measureStored(g, g.name, await append(g, edits), edits))
    // y-indexeddb trims (one state record) only 1000 ms after its 500th update once typing
    // pauses, so a session closed right after typing leaves its whole log: measure both states.
    const appended = await append(y, edits)
    log(await measureStored(y, Y_AT_ONCE, appended, edits))
    if (appended.editsDone === edits) await trimYIndexeddb(appended.dbName)
    log(await measureStored(y, Y_TRIMMED, appended, edits))
  }
  const opens: Opens[] = []
  for (const system of [g, gossamer({ shared: true }), y]) {
    const result = await measureOpens(system)
    opens.push(result)
    console.error(`${system.name} opens: ${JSON.stringify(result)}`)
  }

  const find = (system: string, edits: number): Run | undefined => runs.find((r) => r.system === system && r.edits === edits)
  const first = EDITS[0] as number
  const g10 = find(g.name, first)
  const gRuns = runs.filter((r) => r.system === g.name)
  const gOpens = opens.filter((o) => o.system.startsWith('Gossamer'))
  const loadVs = (label: string): { measured: string | null; met: boolean | null } => {
    const other = find(label, first)
    const [gMs, oMs, gMin, oMin] = [g10?.loadMs, other?.loadMs, g10?.loadMsMin, other?.loadMsMin]
    if (gMs == null || oMs == null || gMin == null || oMin == null) return { measured: null, met: null }
    return {
      measured: `${round(gMs / oMs, 3)}x median (${gMs} ms vs ${oMs} ms); ${round(gMin / oMin, 3)}x best (${gMin} ms vs ${oMin} ms)`,
      met: gMs <= 0.5 * oMs,
    }
  }
  const targets = [
    {
      description: 'after compaction: records per document',
      target: '<= 64',
      measured: gRuns.map((r) => `${r.records} (${compact(r.edits)} edits)`).join(', '),
      met: gRuns.every((r) => r.records !== null && r.records <= 64),
    },
    {
      description: 'after compaction: stored bytes / encodeStateAsUpdate bytes',
      target: '<= 1.25',
      measured: gRuns.map((r) => `${r.bytesRatio} (${compact(r.edits)} edits)`).join(', '),
      met: gRuns.every((r) => r.bytesRatio !== null && r.bytesRatio <= 1.25),
    },
    { description: `load of a ${compact(first)}-edit history vs ${Y_AT_ONCE}`, target: '<= 0.5x', ...loadVs(Y_AT_ONCE) },
    { description: `load of a ${compact(first)}-edit history vs ${Y_TRIMMED}`, target: '<= 0.5x', ...loadVs(Y_TRIMMED) },
    {
      description: 'an unchanged open writes nothing',
      target: '0 writes',
      measured: gOpens.map((o) => `${o.idbWrites} IndexedDB writes in ${o.opens} opens (${o.system})`).join(', '),
      met: gOpens.every((o) => o.idbWrites === 0) && gRuns.every((r) => r.loadIdbWrites === 0),
    },
    ...gOpens.map((o) => ({
      description: `${OPENS} unchanged opens of a ${OPEN_DOC_EDITS}-edit document, ${o.system}`,
      target: '<= 1000 ms',
      measured: `${o.totalMs} ms`,
      met: o.totalMs <= 1000,
    })),
  ]

  const file = {
    scenario: 'storage',
    description:
      'Persistence on IndexedDB (fake-indexeddb): Gossamer DocStore + indexeddb() vs y-indexeddb. Small edits (typing at a moving cursor, ~10% backspace, an event-loop turn every 100 edits): append throughput until durable, load into a fresh Y.Doc, records and bytes stored vs encodeStateAsUpdate, IndexedDB writes, and unchanged opens.',
    date: new Date().toISOString(),
    quick,
    versions: {
      node: process.version,
      yjs: await version(join(here, '..', 'node_modules', 'yjs', 'package.json')),
      yIndexeddb: await version(join(here, '..', 'node_modules', 'y-indexeddb', 'package.json')),
      fakeIndexeddb: await version(join(here, '..', 'node_modules', 'fake-indexeddb', 'package.json')),
      gossamerCore: await version(join(here, '..', '..', 'packages', 'core', 'package.json')),
      platform: `${platform()} ${release()} ${arch()}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      // Other processes share these cores; wall times scale with their load.
      loadAverageBefore: loadBefore.join(' '),
      loadAverageAfter: loadavg().map((v) => round(v)).join(' '),
      gitCommit: gitCommit(),
    },
    parameters: { edits: EDITS, appendBudgetMs: APPEND_BUDGET_MS, yieldEvery: YIELD_EVERY, loadTrials: LOAD_TRIALS, loadWarmup: LOAD_WARMUP, loadBudgetMs: LOAD_BUDGET_MS, openWarmup: OPEN_WARMUP, opens: OPENS, openDocEdits: OPEN_DOC_EDITS, seed: SEED, compactRecords: 128, compactBytes: 1048576, compaction: 'doc' },
    runs,
    opens,
    targets,
    wallMs: Math.round(performance.now() - started),
  }

  const names = [g.name, Y_AT_ONCE, Y_TRIMMED]
  const groups = EDITS.map((n) => `${compact(n)} edits`)
  const per = (metric: (run: Run) => number | null): (number | null)[][] =>
    names.map((name) => EDITS.map((n) => {
      const run = find(name, n)
      return run === undefined ? null : metric(run)
    }))
  const panels: BarPanel[] = [
    { title: 'Append until durable', unit: 'edits/s (higher is better)', groups, values: per((r) => r.appendEditsPerSec), log: true },
    { title: 'Load into a fresh Y.Doc', unit: 'ms, median (lower is better)', groups, values: per((r) => r.loadMs), log: true },
    { title: 'Records stored', unit: 'per document (lower is better)', groups, values: per((r) => r.records), log: true },
    { title: 'Bytes stored / state size', unit: 'x encodeStateAsUpdate (lower is better)', groups, values: per((r) => r.bytesRatio), log: true, format: (v) => `${v.toFixed(2)}x` },
    { title: 'IndexedDB writes while appending', unit: 'requests (lower is better)', groups, values: per((r) => r.appendIdbWrites), log: true },
    {
      title: `${compact(OPENS)} unchanged opens`,
      unit: `total ms, ${OPEN_DOC_EDITS}-edit doc (lower is better)`,
      groups: ['conn. per open', 'shared adapter'],
      values: [
        [opens.find((o) => o.system === g.name)?.totalMs ?? null, opens.find((o) => o.system.includes('shared'))?.totalMs ?? null],
        [opens.find((o) => o.system === y.name)?.totalMs ?? null, null],
        [null, null],
      ],
      format: (v) => `${compact(v)} ms`,
    },
  ]
  const svg = groupedBarChart(panels, {
    title: 'Storage: Gossamer DocStore vs y-indexeddb 9 (both on fake-indexeddb)',
    subtitle: [
      `IndexedDB writes in ${compact(OPENS)} unchanged opens: ${opens.map((o) => `${o.system} ${o.idbWrites}`).join(', ')}`,
      ...runs
        .filter((r) => !r.complete && r.system === Y_AT_ONCE)
        .map((r) => `${r.system.split(' ')[0]} ${compact(r.edits)}: stopped at the ${APPEND_BUDGET_MS / 1000} s budget after ${compact(r.editsDone)} edits`),
      `node ${process.version}, ${cpus().length} cpus, load average ${file.versions.loadAverageBefore}`,
    ].join('\n'),
    series: names,
    columns: 3,
    panelWidth: 330,
  })
  await mkdir(outDir, { recursive: true })
  await writeFile(join(outDir, 'storage.json'), JSON.stringify(file, null, 2) + '\n')
  await writeFile(join(outDir, 'storage.svg'), svg)
  console.log(JSON.stringify({ targets: targets.map((t) => ({ [t.description]: t.measured, met: t.met })), wallMs: file.wallMs }))
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
