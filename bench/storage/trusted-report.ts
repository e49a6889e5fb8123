/**
 * The "storage-trusted" scenario as a result file (see trusted-load.ts): writes
 * `<out>/storage-trusted.json` and `<out>/storage-trusted.svg`.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { compact, groupedBarChart } from './bars.js'
import { load, versions } from './common.js'
import type { ReportOptions } from './reports.js'
import { trustedLoad, type TrustedLoadRun } from './trusted-load.js'

/** Reopening a trusted document: with chains, without, and an open room's. */
export async function trustedLoadReport(options: ReportOptions): Promise<void> {
  const started = performance.now()
  const loadBefore = load()
  const edits = options.quick ? 2_000 : 10_000
  const trials = options.quick ? 3 : 9
  const runs = await trustedLoad(edits, trials, 1)
  const get = (adapter: string, room: TrustedLoadRun['room']): TrustedLoadRun | undefined => runs.find((r) => r.adapter.startsWith(adapter) && r.room === room)
  const targets = ['memoryStorage', 'storage-node'].map((adapter) => {
    const open = get(adapter, 'open')
    const trusted = get(adapter, 'trusted')
    const sealed = get(adapter, 'trusted+encrypted')
    const ok = open !== undefined && trusted !== undefined && sealed !== undefined
    return {
      description: `${adapter}: reopening a ${compact(edits)}-edit document with a secret (chains restored, one signature checked per author) vs the same document alone and an open room`,
      target: 'measured (no target set)',
      measured: ok
        ? `${trusted.loadMs} ms with chains (${sealed.loadMs} ms encrypted) vs ${trusted.docLoadMs} ms for its document alone and ${open.loadMs} ms for an open room's; ${Math.round(trusted.bytes / 1024)} KB stored (${Math.round(trusted.chainBytes / 1024)} KB of chains) vs ${Math.round(open.bytes / 1024)} KB; +${trusted.heapMB} MB heap for the chains`
        : 'n/a',
      met: null,
    }
  })
  const file = {
    scenario: 'storage-trusted',
    description: `A ${compact(edits)}-edit document typed in a room (a flush every 100 edits) with no secret, with a secret, and with a secret and encryptStorage, on memoryStorage() and sqlite(); then reopened by createRoom(...) until whenLoaded() (no network) in a fresh Y.Doc. docLoadMs loads the same store's document alone through a DocStore (the chains stay on disk). heapMB is the heap growth of one open after GC.`,
    date: new Date().toISOString(),
    quick: options.quick,
    versions: await versions(loadBefore, { betterSqlite3: 'better-sqlite3' }),
    parameters: { edits, trials, warmup: 2, seed: 1 },
    runs,
    targets,
    wallMs: Math.round(performance.now() - started),
  }
  const rooms = ['open', 'trusted', 'trusted+encrypted'] as const
  const adapters = [...new Set(runs.map((r) => r.adapter))]
  const svg = groupedBarChart(
    [
      { title: 'Reopen until whenLoaded()', unit: 'ms, median (lower is better)', groups: adapters, values: rooms.map((room) => adapters.map((a) => get(a, room)?.loadMs ?? null)), log: false },
      { title: 'Bytes stored', unit: 'KB (document, chains, identity key)', groups: adapters, values: rooms.map((room) => adapters.map((a) => Math.round((get(a, room)?.bytes ?? 0) / 1024))), log: false },
    ],
    { title: `Reopening a ${compact(edits)}-edit document: open room, with a secret, encrypted`, subtitle: `node ${process.version}, load average ${loadBefore}`, series: [...rooms], columns: 2, panelWidth: 320 },
  )
  await mkdir(options.outDir, { recursive: true })
  await writeFile(join(options.outDir, 'storage-trusted.json'), JSON.stringify(file, null, 2) + '\n')
  await writeFile(join(options.outDir, 'storage-trusted.svg'), svg)
  console.log(JSON.stringify({ scenario: 'storage-trusted', targets: targets.map((t) => ({ [t.description]: t.measured })) }))
}
