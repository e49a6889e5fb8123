/**
 * The newer storage scenarios as result files: each runs, then writes `<out>/<name>.json`
 * (figures, targets, parameters, versions) and `<out>/<name>.svg`.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { compact, groupedBarChart, type BarPanel } from './bars.js'
import { load, versions } from './common.js'
import { nodeLoad, type NodeLoadRun } from './node-load.js'
import { openClose, type OpenCloseResult } from './open-close.js'
import { perEdit, BLOCK, type PerEditRun } from './per-edit.js'
import { gossamer, rawPutFloor, yIndexeddb } from './systems.js'

/** Where and how big. */
export interface ReportOptions {
  quick: boolean
  outDir: string
}

interface Target {
  description: string
  target: string
  measured: string
  met: boolean | null
}

async function write(options: ReportOptions, name: string, file: Record<string, unknown>, svg: string): Promise<void> {
  await mkdir(options.outDir, { recursive: true })
  await writeFile(join(options.outDir, `${name}.json`), JSON.stringify(file, null, 2) + '\n')
  await writeFile(join(options.outDir, `${name}.svg`), svg)
  const targets = (file.targets as Target[]).map((t) => ({ [t.description]: t.measured, met: t.met }))
  console.log(JSON.stringify({ scenario: name, targets }))
}

/** Per-edit durable writes, Gossamer vs y-indexeddb, interleaved. */
export async function perEditReport(options: ReportOptions): Promise<void> {
  const started = performance.now()
  const loadBefore = load()
  const sizes = options.quick ? [1_000, 5_000] : [1_000, 10_000, 100_000]
  const g = gossamer()
  const y = yIndexeddb({ deferTrim: true })
  const floor = rawPutFloor()
  const runs: PerEditRun[] = []
  await perEdit([g, y, floor], 2_000, 9) // warm-up (JIT), not reported
  for (const edits of sizes) {
    const pair = await perEdit([g, y, floor], edits, 1)
    runs.push(...pair)
    for (const run of pair) console.error(`per-edit ${run.system} ${edits}: ${run.editsPerSec} edits/s, ${run.cpuUsPerEdit} µs CPU/edit, p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, max ${run.maxMs} ms`)
  }
  const find = (system: string, edits: number): PerEditRun | undefined => runs.find((r) => r.system === system && r.edits === edits)
  const targets: Target[] = []
  for (const edits of sizes.filter((n) => n >= 10_000 || options.quick)) {
    const [gr, yr, fr] = [find(g.name, edits), find(y.name, edits), find(floor.name, edits)]
    if (gr === undefined || yr === undefined) continue
    if (fr !== undefined) {
      targets.push({
        description: `${compact(edits)} edits: the floor (one raw IndexedDB put per edit, nothing else) vs y-indexeddb, for scale`,
        target: 'information',
        measured: `${(fr.editsPerSec / yr.editsPerSec).toFixed(2)}x (${fr.editsPerSec} vs ${yr.editsPerSec}); Gossamer reaches ${(gr.editsPerSec / fr.editsPerSec).toFixed(2)} of the floor`,
        met: null,
      })
    }
    targets.push(
      { description: `${compact(edits)} edits: CPU time per durable edit vs y-indexeddb (load-independent view of the same)`, target: '<= 0.67x', measured: `${(gr.cpuUsPerEdit / yr.cpuUsPerEdit).toFixed(2)}x (${gr.cpuUsPerEdit} µs vs ${yr.cpuUsPerEdit} µs)`, met: gr.cpuUsPerEdit <= yr.cpuUsPerEdit / 1.5 },
      { description: `${compact(edits)} edits: durable edits/s vs y-indexeddb`, target: '>= 1.5x', measured: `${(gr.editsPerSec / yr.editsPerSec).toFixed(2)}x (${gr.editsPerSec} vs ${yr.editsPerSec})`, met: gr.editsPerSec >= 1.5 * yr.editsPerSec },
      { description: `${compact(edits)} edits: p99 latency vs y-indexeddb`, target: "<= y-indexeddb's", measured: `${gr.p99Ms} ms vs ${yr.p99Ms} ms`, met: gr.p99Ms <= yr.p99Ms },
    )
  }
  // Flat: Gossamer's throughput relative to y-indexeddb's, measured in the same blocks (so the
  // machine's load cancels out), does not fall as the document grows; nor within the largest run.
  const relative = sizes.map((n) => (find(g.name, n)?.editsPerSec ?? Number.NaN) / (find(y.name, n)?.editsPerSec ?? Number.NaN))
  const slicesOf = (name: string): number[] => find(name, sizes[sizes.length - 1] as number)?.slices.map((slice) => slice.editsPerSec) ?? []
  const [gSlices, ySlices] = [slicesOf(g.name), slicesOf(y.name)]
  const sliceRatio = gSlices.map((v, i) => v / (ySlices[i] ?? Number.NaN))
  const half = Math.floor(sliceRatio.length / 2)
  const mean = (values: number[]): number => values.reduce((sum, v) => sum + v, 0) / values.length
  const [early, late] = [mean(sliceRatio.slice(0, half)), mean(sliceRatio.slice(half))]
  targets.push({
    description: `Gossamer stays flat from ${compact(sizes[0] as number)} to ${compact(sizes[sizes.length - 1] as number)} edits (throughput relative to y-indexeddb in the same run)`,
    target: 'the ratio at the largest size >= 0.8 x the ratio at the smallest, and the second half of the largest run >= 0.8 x its first half',
    measured: `Gossamer / y-indexeddb edits/s: ${relative.map((r) => r.toFixed(2)).join(', ')}; largest run, first half ${early.toFixed(2)}, second half ${late.toFixed(2)}`,
    met: (relative[relative.length - 1] as number) >= 0.8 * (relative[0] as number) && late >= 0.8 * early,
  })
  const file = {
    scenario: 'storage-per-edit',
    description: `Per-edit durable writes on fake-indexeddb, with the floor (one raw IndexedDB put per edit in its own transaction, nothing else) for scale: every edit (typing at a moving cursor, ~10% backspaces) is awaited until durable (Gossamer: DocStore.flush() on indexeddb(); y-indexeddb 9: a later readwrite transaction completing). Latency from before the edit until durable. The systems alternate in blocks of ${BLOCK} edits, so both see the same machine load.`,
    date: new Date().toISOString(),
    quick: options.quick,
    versions: await versions(loadBefore, { yIndexeddb: 'y-indexeddb', fakeIndexeddb: 'fake-indexeddb' }),
    parameters: { sizes, block: BLOCK, seed: 1, compactRecords: 128, compactBytes: 1048576 },
    runs,
    targets,
    wallMs: Math.round(performance.now() - started),
  }
  const names = [g.name, y.name, floor.name]
  const groups = sizes.map((n) => `${compact(n)} edits`)
  const per = (metric: (run: PerEditRun) => number): (number | null)[][] =>
    names.map((name) => sizes.map((n) => {
      const run = find(name, n)
      return run === undefined ? null : metric(run)
    }))
  const largest = sizes[sizes.length - 1] as number
  const slices = (name: string): (number | null)[] => find(name, largest)?.slices.map((s) => s.editsPerSec) ?? []
  const panels: BarPanel[] = [
    { title: 'Durable edits per second', unit: 'each edit awaited (higher is better)', groups, values: per((r) => r.editsPerSec) },
    { title: 'p99 latency', unit: 'ms, edit until durable (lower is better)', groups, values: per((r) => r.p99Ms), log: true },
    { title: 'CPU time per edit', unit: 'µs of this process (lower is better)', groups, values: per((r) => r.cpuUsPerEdit) },
    {
      title: `Through the ${compact(largest)}-edit run`,
      unit: 'edits/s per tenth of the run (flat is better)',
      groups: (find(g.name, largest)?.slices ?? []).map((s) => compact(s.upTo)),
      values: names.map(slices),
    },
  ]
  const svg = groupedBarChart(panels, {
    title: 'Per-edit durable writes: Gossamer DocStore vs y-indexeddb 9 (fake-indexeddb)',
    subtitle: `systems interleaved in blocks of ${BLOCK} edits; the floor is one raw IndexedDB put per edit, no persistence logic; node ${process.version}, load average ${loadBefore}`,
    series: names,
    columns: 2,
    panelWidth: 420,
  })
  await write(options, 'storage-per-edit', file, svg)
}

/** Quick open/close cycles of a 10k-edit document. */
export async function openCloseReport(options: ReportOptions): Promise<void> {
  const started = performance.now()
  const loadBefore = load()
  const cycles = options.quick ? 100 : 1_000
  const docEdits = 10_000
  const results = [await openClose(cycles, docEdits, 2, 'text-loaded'), await openClose(cycles, docEdits, 2, 'when-loaded')]
  for (const result of results) console.error(`open-close ${result.when}: ${JSON.stringify(result)}`)
  const targets: Target[] = results.flatMap((result) => [
    {
      description: `${compact(cycles)} open/close cycles of a ${compact(docEdits)}-edit document, closed ${result.when === 'text-loaded' ? 'as soon as the text loaded' : 'once whenLoaded() resolved'}: growth in records and identities`,
      target: '0',
      measured: `records ${result.recordsBefore} → ${result.recordsAfter}, identities ${result.identitiesBefore} → ${result.identitiesAfter}, leases left ${result.leasesAfter}`,
      met: result.recordsAfter === result.recordsBefore && result.identitiesAfter === result.identitiesBefore && result.leasesAfter === 0,
    },
    {
      description: `closed ${result.when === 'text-loaded' ? 'as soon as the text loaded' : 'once whenLoaded() resolved'}: an open with no changes writes nothing to the document, and leaves the store byte-identical`,
      target: '0 document writes; identical store',
      measured: `${result.documentWrites} document writes; store ${result.unchanged ? 'identical' : 'changed'}; identity writes per open ${result.identityWritesPerOpen} (lease + record at claim and at release; Node has no Web Locks)`,
      met: result.documentWrites === 0 && result.unchanged,
    },
  ])
  const file = {
    scenario: 'storage-open-close',
    description: 'createRoom with indexeddb() storage (fake-indexeddb, no transport, no Web Locks) on a 10,000-edit document, closed from the document update event as soon as the text has loaded, over and over: records, identities and leases stored before and after, and writes per open.',
    date: new Date().toISOString(),
    quick: options.quick,
    versions: await versions(loadBefore, { fakeIndexeddb: 'fake-indexeddb' }),
    parameters: { cycles, docEdits, seed: 2 },
    results,
    targets,
    wallMs: Math.round(performance.now() - started),
  }
  const [during, after] = results as [OpenCloseResult, OpenCloseResult]
  const svg = groupedBarChart(
    [
      ...results.map((r) => ({
        title: r.when === 'text-loaded' ? 'Closed as the text loaded' : 'Closed once whenLoaded()',
        unit: 'stored before vs after',
        groups: ['records', 'identities', 'leases'],
        values: [[r.recordsBefore, r.identitiesBefore, 0], [r.recordsAfter, r.identitiesAfter, r.leasesAfter]],
      })),
      { title: 'Writes per open', unit: 'adapter writes per cycle', groups: ['document', 'identity'], values: [[during.documentWrites / cycles, during.identityWritesPerOpen], [after.documentWrites / cycles, after.identityWritesPerOpen]] },
    ],
    { title: `Quick open/close: ${compact(cycles)} rooms on a ${compact(docEdits)}-edit document`, subtitle: `${during.perOpenMs} / ${after.perOpenMs} ms per open/close; node ${process.version}`, series: ['before / as text loaded', 'after / once whenLoaded()'], columns: 3, panelWidth: 300 },
  )
  await write(options, 'storage-open-close', file, svg)
}

/** storage-node vs storage-idb: load of a large history. */
export async function nodeLoadReport(options: ReportOptions): Promise<void> {
  const started = performance.now()
  const loadBefore = load()
  const edits = options.quick ? 10_000 : 100_000
  const trials = options.quick ? 5 : 11
  const runs = await nodeLoad(edits, trials, 3)
  for (const run of runs) console.error(`node-load ${run.adapter} ${run.state}: ${JSON.stringify(run)}`)
  const get = (adapter: string, state: string): NodeLoadRun | undefined => runs.find((r) => r.adapter.startsWith(adapter) && r.state === state)
  const targets: Target[] = (['closed', 'killed'] as const).map((state) => {
    const [n, i] = [get('storage-node', state), get('storage-idb', state)]
    return {
      description: `load of a ${compact(edits)}-edit history (${state === 'closed' ? 'after close: one snapshot' : 'left by a killed writer'}): storage-node vs storage-idb`,
      target: '<= 1x',
      measured: n === undefined || i === undefined ? 'n/a' : `${(n.loadMs / i.loadMs).toFixed(2)}x median (${n.loadMs} ms vs ${i.loadMs} ms; best ${n.loadMsMin} vs ${i.loadMsMin}; the adapter's read alone ${n.readMs} ms vs ${i.readMs} ms)`,
      met: n === undefined || i === undefined ? null : n.loadMs <= i.loadMs,
    }
  })
  const file = {
    scenario: 'storage-node',
    description: `A ${compact(edits)}-edit history written through a DocStore (a flush every 100 edits) on sqlite() (@gossamer/storage-node, a file) and on indexeddb() (fake-indexeddb), then loaded into a fresh Y.Doc by a new adapter and DocStore: after the writer closed, and as a killed writer left it. Trials alternate between the adapters; readMs is the adapter's loadRange alone.`,
    date: new Date().toISOString(),
    quick: options.quick,
    versions: await versions(loadBefore, { betterSqlite3: 'better-sqlite3', fakeIndexeddb: 'fake-indexeddb' }),
    parameters: { edits, trials, warmup: 2, seed: 3 },
    runs,
    targets,
    wallMs: Math.round(performance.now() - started),
  }
  const adapters = [...new Set(runs.map((r) => r.adapter))]
  const svg = groupedBarChart(
    [
      { title: 'Load into a fresh Y.Doc', unit: 'ms, median (lower is better)', groups: ['after close', 'killed writer'], values: adapters.map((a) => [get(a, 'closed')?.loadMs ?? null, get(a, 'killed')?.loadMs ?? null]), log: true },
      { title: "The adapter's read (loadRange)", unit: 'ms, median (lower is better)', groups: ['after close', 'killed writer'], values: adapters.map((a) => [get(a, 'closed')?.readMs ?? null, get(a, 'killed')?.readMs ?? null]), log: true },
      { title: 'Records stored', unit: 'snapshot, log records, bundles', groups: ['after close', 'killed writer'], values: adapters.map((a) => [get(a, 'closed')?.records ?? null, get(a, 'killed')?.records ?? null]), log: true },
    ],
    { title: `storage-node (SQLite) vs storage-idb (fake-indexeddb): a ${compact(edits)}-edit history`, subtitle: `trials alternate between the adapters; node ${process.version}, load average ${loadBefore}`, series: adapters, columns: 3, panelWidth: 300 },
  )
  await write(options, 'storage-node', file, svg)
}
