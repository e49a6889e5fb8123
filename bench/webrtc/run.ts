/**
 * The WebRTC bench: Gossamer against y-webrtc 10.3.0 over real WebRTC (@roamhq/wrtc), with
 * N = 2, 4 and 8 Node peers. Each (system, N) runs in its own child process (scenario.ts)
 * with all its peers in that process and its own signaling server. Writes
 * `bench/results/webrtc.json` and `bench/results/webrtc.svg` and prints a table.
 *
 * WebRTC gathers candidates on every interface, so this runs only inside a private network
 * namespace (as root):
 *
 *   bash scripts/with-netns.sh npx tsx --conditions=source bench/webrtc/run.ts
 *     [--peers 2,4,8] [--edits 200] [--seed 1] [--idle-ms 20000] [--systems gossamer,y-webrtc]
 *     [--out DIR] [--quick]
 *   npx tsx --conditions=source bench/webrtc/run.ts --replot [--out DIR]   # SVG again from the JSON
 *
 * Bounded: the whole run stops within about 5 minutes; every child and signaling server it
 * started is killed by PID at the end. Exits 0 when it produced results, even if a target was
 * missed (the JSON records met or missed).
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, readFile, readdir, realpath, writeFile } from 'node:fs/promises'
import { arch, cpus, platform, release } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { smallMultiples, type Panel } from './chart.js'
import { MAX_NEIGHBOURS, isSystemName, type SystemName } from './systems.js'
import { ROOM_NAME, isScenarioMessage, type ScenarioResult } from './types.js'

const here = dirname(fileURLToPath(import.meta.url))
const benchDir = join(here, '..')
const repoDir = join(benchDir, '..')
const TOTAL_BUDGET_MS = 290_000
const IDLE_TARGET_BYTES_PER_SECOND = 125 // 1 kbps
const MIN_GAP_MS = 20
const MAX_GAP_MS = 50

interface Args {
  peers: number[]
  edits: number
  seed: number
  idleMs: number
  systems: SystemName[]
  out: string
  quick: boolean
  /** Only re-render the SVG from `<out>/webrtc.json` (no WebRTC, no namespace needed). */
  replot: boolean
}

function parseArgs(argv: string[]): Args {
  const args: Args = { peers: [2, 4, 8], edits: 200, seed: 1, idleMs: 20_000, systems: ['y-webrtc', 'gossamer'], out: '', quick: false, replot: false }
  let peersGiven = false
  let editsGiven = false
  let idleGiven = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') continue
    if (arg === '--quick' || arg === '--replot') {
      if (arg === '--quick') args.quick = true
      else args.replot = true
      continue
    }
    const value = argv[++i]
    if (value === undefined) throw new Error(`${arg} needs a value`)
    const int = (): number => {
      const n = Number(value)
      if (!Number.isInteger(n) || n < 0) throw new Error(`${arg} must be an integer ≥ 0`)
      return n
    }
    if (arg === '--peers') {
      args.peers = value.split(',').map(Number)
      if (args.peers.some((n) => !Number.isInteger(n) || n < 2 || n > 16)) throw new Error('--peers: integers in 2..16, comma-separated')
      peersGiven = true
    } else if (arg === '--edits') {
      args.edits = int()
      editsGiven = true
    } else if (arg === '--seed') args.seed = int()
    else if (arg === '--idle-ms') {
      args.idleMs = int()
      idleGiven = true
    } else if (arg === '--systems') {
      const names = value.split(',')
      if (!names.every(isSystemName)) throw new Error('--systems: gossamer and/or y-webrtc')
      args.systems = names
    } else if (arg === '--out') args.out = resolve(value)
    else throw new Error(`unknown argument ${arg}`)
  }
  if (args.quick) {
    if (!peersGiven) args.peers = [2, 4]
    if (!editsGiven) args.edits = 40
    if (!idleGiven) args.idleMs = 4000
  }
  if (args.out === '') args.out = args.quick ? join(benchDir, 'results', 'tmp') : join(benchDir, 'results')
  return args
}

// ---- processes -------------------------------------------------------------------------

/** Every process this run started (children and their signaling servers), by PID. */
const started = new Set<number>()

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

function killStarted(): void {
  for (const pid of started) {
    if (alive(pid)) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
    started.delete(pid)
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killStarted()
    process.exit(signal === 'SIGINT' ? 130 : 143)
  })
}

/** Runs one (system, N) in a child process; resolves with its result or an error string. */
function runScenario(system: SystemName, peers: number, args: Args, timeoutMs: number): Promise<ScenarioResult | string> {
  return new Promise((resolvePromise) => {
    const child: ChildProcess = fork(
      join(here, 'scenario.ts'),
      ['--system', system, '--peers', String(peers), '--edits', String(args.edits), '--seed', String(args.seed), '--idle-ms', String(args.idleMs), '--min-gap-ms', String(MIN_GAP_MS), '--max-gap-ms', String(MAX_GAP_MS)],
      { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    )
    const pids: number[] = []
    if (child.pid !== undefined) {
      started.add(child.pid)
      pids.push(child.pid)
    }
    let result: ScenarioResult | undefined
    let phase = 'start'
    const t0 = performance.now()
    child.on('message', (message: unknown) => {
      if (!isScenarioMessage(message)) return
      if (message.type === 'pid') {
        started.add(message.pid)
        pids.push(message.pid)
      } else if (message.type === 'phase') {
        phase = message.phase
        process.stderr.write(`  ${system} N=${peers}: ${phase} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`)
      } else result = message.result
    })
    const timer = setTimeout(() => {
      process.stderr.write(`  ${system} N=${peers}: timed out in phase ${phase}, killing ${pids.join(', ')}\n`)
      for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL')
    }, timeoutMs)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      // The child stops its signaling server; make sure, by PID.
      for (const pid of pids) {
        if (alive(pid)) process.kill(pid, 'SIGKILL')
        started.delete(pid)
      }
      if (result !== undefined) resolvePromise(result)
      else resolvePromise(`exited with ${signal ?? String(code)} in phase ${phase}`)
    })
  })
}

// ---- versions --------------------------------------------------------------------------

async function versionAt(path: string): Promise<string> {
  try {
    const json = JSON.parse(await readFile(path, 'utf8')) as { version?: unknown }
    return typeof json.version === 'string' ? json.version : 'unknown'
  } catch {
    return 'unknown'
  }
}

async function versions(): Promise<Record<string, string | number>> {
  const modules = join(benchDir, 'node_modules')
  const yWebrtcDir = await realpath(join(modules, 'y-webrtc')).catch(() => join(modules, 'y-webrtc'))
  let gitCommit = 'unknown'
  try {
    gitCommit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    // not a checkout
  }
  return {
    node: process.version,
    yjs: await versionAt(join(modules, 'yjs', 'package.json')),
    'y-webrtc': await versionAt(join(yWebrtcDir, 'package.json')),
    'simple-peer (y-webrtc)': await versionAt(join(yWebrtcDir, '..', 'simple-peer', 'package.json')),
    'simple-peer (@gossamer/webrtc)': await versionAt(join(repoDir, 'packages', 'webrtc', 'node_modules', 'simple-peer', 'package.json')),
    '@roamhq/wrtc': await versionAt(join(modules, '@roamhq', 'wrtc', 'package.json')),
    ws: await versionAt(join(modules, 'ws', 'package.json')),
    'y-protocols': await versionAt(join(modules, 'y-protocols', 'package.json')),
    lib0: await versionAt(join(yWebrtcDir, '..', 'lib0', 'package.json')),
    '@gossamer/core': await versionAt(join(repoDir, 'packages', 'core', 'package.json')),
    '@gossamer/webrtc': await versionAt(join(repoDir, 'packages', 'webrtc', 'package.json')),
    platform: `${platform()} ${release()} ${arch()}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    gitCommit,
  }
}

/**
 * A hash of the sources measured (Gossamer's core and WebRTC transport): the checkout is
 * shared while people work, so a run that straddles an edit says so.
 */
async function sourceHash(): Promise<string> {
  const hash = createHash('sha256')
  for (const dir of ['packages/core/src', 'packages/webrtc/src']) {
    const root = join(repoDir, dir)
    const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => [])
    const files = entries
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name))
      .sort()
    for (const file of files) {
      hash.update(file.slice(repoDir.length))
      hash.update(await readFile(file).catch(() => Buffer.alloc(0)))
    }
  }
  return hash.digest('hex').slice(0, 16)
}

// ---- report ----------------------------------------------------------------------------

interface Target {
  description: string
  target: string
  measured: string
  met: boolean | null
}

const fmt = (value: number | null | undefined, digits = 1): string => (value === null || value === undefined ? 'n/a' : value.toFixed(digits))

function find(results: ScenarioResult[], system: SystemName, peers: number): ScenarioResult | undefined {
  return results.find((r) => r.system === system && r.peers === peers)
}

function targets(results: ScenarioResult[], peerCounts: number[]): Target[] {
  const out: Target[] = []
  const n = 8
  const g8 = find(results, 'gossamer', n)
  if (g8 !== undefined && g8.frameBytes !== null) {
    const limit = 2 * (n - 1) * g8.frameBytes
    out.push({
      description: `N = ${n}: Gossamer wire bytes per edit (data-channel payloads, network-wide, idle background included) ≤ 2 × (N − 1) × frame size (Gossamer's single-edit frame: ${g8.frameBytes} B)`,
      target: `≤ ${limit} B`,
      measured: `${fmt(g8.edits.bytesPerEdit)} B (${fmt(g8.edits.bytesPerEditNetOfIdle)} B net of idle traffic; ${fmt(g8.edits.messagesPerEdit, 2)} messages per edit)`,
      met: g8.edits.bytesPerEdit <= limit,
    })
  } else out.push({ description: `N = ${n}: Gossamer wire bytes per edit ≤ 2 × (N − 1) × frame size`, target: 'n/a', measured: 'not run', met: null })
  for (const peers of peerCounts) {
    const g = find(results, 'gossamer', peers)
    const y = find(results, 'y-webrtc', peers)
    for (const q of ['p50', 'p99'] as const) {
      const gv = g?.latency[q] ?? null
      const yv = y?.latency[q] ?? null
      out.push({
        description: `N = ${peers}: Gossamer edit-to-visible latency ${q} no worse than y-webrtc's in the same run`,
        target: `≤ ${fmt(yv, 2)} ms`,
        measured: `${fmt(gv, 2)} ms`,
        met: gv === null || yv === null ? null : gv <= yv,
      })
    }
  }
  const gossamerRuns = results.filter((r) => r.system === 'gossamer')
  for (const g of gossamerRuns) {
    out.push({
      description: `N = ${g.peers}: an idle Gossamer peer with presence on sends ≤ 1 kbps (data-channel bytes over ${fmt(g.idle.ms / 1000)} s, the busiest peer)`,
      target: `≤ ${IDLE_TARGET_BYTES_PER_SECOND} B/s`,
      measured: `${fmt(g.idle.maxBytesPerSecondPerPeer)} B/s (mean ${fmt(g.idle.bytesPerSecondPerPeer)} B/s per peer)`,
      met: g.idle.maxBytesPerSecondPerPeer <= IDLE_TARGET_BYTES_PER_SECOND,
    })
  }
  if (gossamerRuns.length > 0) {
    const sampled = Math.max(...gossamerRuns.map((g) => g.connections.peak))
    const reported = Math.max(...gossamerRuns.flatMap((g) => g.connections.reportedPeakPerPeer ?? [0]))
    out.push({
      description: `No Gossamer peer ever has more than maxNeighbours (${MAX_NEIGHBOURS}) WebRTC connections (all N; sampled every 5 ms, and the transports' exact peaks)`,
      target: `≤ ${MAX_NEIGHBOURS}`,
      measured: `sampled peak ${sampled}, transport-reported peak ${reported}`,
      met: Math.max(sampled, reported) <= MAX_NEIGHBOURS,
    })
  }
  return out
}

/**
 * Gossamer's own counters against the data-channel meter: the room counts frames, the
 * channel carries each frame in one chunk (13-byte header) when it is at most 16 KiB, so
 * the difference per frame should be 13 B.
 */
function crossCheck(results: ScenarioResult[]): Record<string, unknown>[] {
  return results
    .filter((r) => r.roomStats !== null)
    .map((r) => {
      const s = r.roomStats!
      const window = (name: string, channelBytes: number, channelMessages: number, roomBytes: number, roomFrames: number): Record<string, unknown> => ({
        window: name,
        dataChannelBytes: channelBytes,
        dataChannelMessages: channelMessages,
        roomBytesSent: roomBytes,
        roomFramesSent: roomFrames,
        overheadBytesPerFrame: roomFrames === 0 ? null : (channelBytes - roomBytes) / roomFrames,
      })
      return {
        peers: r.peers,
        windows: [
          window('edits', r.edits.bytes, r.edits.messages, s.editBytesSent, s.editFramesSent),
          window('idle', r.idle.bytes, r.idle.messages, s.idleBytesSent, s.idleFramesSent),
        ],
      }
    })
}

function table(results: ScenarioResult[]): string {
  const rows = [
    '| system | N | connect ms | usable ms | p50 ms | p99 ms | bytes / edit | msgs / edit | frame B | idle B/s/peer (mean / max) | peak conns / peer | converged | load 1 min |',
    '| :-- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | :-: | --: |',
  ]
  const sorted = [...results].sort((a, b) => a.peers - b.peers || a.system.localeCompare(b.system))
  for (const r of sorted) {
    rows.push(
      `| ${r.system} | ${r.peers} | ${fmt(r.connectMs, 0)} | ${fmt(r.usableMs, 0)} | ${fmt(r.latency.p50, 2)} | ${fmt(r.latency.p99, 2)} | ${fmt(r.edits.bytesPerEdit, 0)} | ${fmt(r.edits.messagesPerEdit, 1)} | ${fmt(r.frameBytes, 0)} | ${fmt(r.idle.bytesPerSecondPerPeer, 1)} / ${fmt(r.idle.maxBytesPerSecondPerPeer, 1)} | ${r.connections.peak} | ${r.converged ? 'yes' : 'NO'} | ${fmt(Math.max(...r.loadAverage), 1)} |`,
    )
  }
  return rows.join('\n')
}

function chart(results: ScenarioResult[], args: Args, date: string): string {
  const series: SystemName[] = ['gossamer', 'y-webrtc']
  const groups = args.peers.map((n) => `N = ${n}`)
  const values = (pick: (r: ScenarioResult) => number | null): (number | null)[][] =>
    series.map((s) => args.peers.map((n) => {
      const r = find(results, s, n)
      return r === undefined ? null : pick(r)
    }))
  const index8 = args.peers.indexOf(8)
  const g8 = find(results, 'gossamer', 8)
  const bytesRefs = index8 >= 0 && g8?.frameBytes != null ? [{ value: 2 * 7 * g8.frameBytes, label: `target at N = 8: 2(N−1) × frame = ${2 * 7 * g8.frameBytes} B`, group: index8 }] : []
  const panels: Panel[] = [
    {
      title: 'Time to connect',
      unit: 'ms to the expected connections, lower is better',
      values: values((r) => r.connectMs),
      note: 'y-webrtc: N−1 each; Gossamer: ≥ min(N−1, 5) and synced',
      nullLabel: '> 20 s',
    },
    { title: 'Edit-to-visible latency p50', unit: 'ms over (edit, peer) pairs, lower is better', values: values((r) => r.latency.p50) },
    { title: 'Edit-to-visible latency p99', unit: 'ms over (edit, peer) pairs, lower is better', values: values((r) => r.latency.p99) },
    { title: 'Single-edit frame', unit: 'bytes of one data-channel payload', values: values((r) => r.frameBytes) },
    { title: 'Wire bytes per edit', unit: 'data-channel bytes, network-wide', values: values((r) => r.edits.bytesPerEdit), references: bytesRefs },
    { title: 'Messages per edit', unit: 'data-channel messages, network-wide', values: values((r) => r.edits.messagesPerEdit) },
    {
      title: 'Idle traffic per peer',
      unit: `bytes/s, presence on, ${fmt(args.idleMs / 1000, 0)} s after sync`,
      values: values((r) => r.idle.bytesPerSecondPerPeer),
      references: [{ value: IDLE_TARGET_BYTES_PER_SECOND, label: `Gossamer target: 1 kbps = ${IDLE_TARGET_BYTES_PER_SECOND} B/s` }],
    },
    {
      title: 'Peak WebRTC connections per peer',
      unit: 'highest count any peer had',
      values: values((r) => r.connections.peak),
      references: [{ value: MAX_NEIGHBOURS, label: `Gossamer cap: maxNeighbours = ${MAX_NEIGHBOURS}` }],
    },
  ]
  return smallMultiples(panels, {
    title: 'Gossamer vs y-webrtc 10.3.0 over real WebRTC (@roamhq/wrtc)',
    subtitle: `${args.edits} one-character edits at a random peer every ${MIN_GAP_MS}–${MAX_GAP_MS} ms (seed ${args.seed}); Node peers in one process per run, private network namespace; ${date.slice(0, 10)}`,
    series: ['Gossamer', 'y-webrtc'],
    groups,
    columns: 4,
    panelWidth: 300,
    panelHeight: 260,
  })
}

// ---- main ------------------------------------------------------------------------------

/** Re-renders the SVG from a JSON written earlier, with that run's parameters. */
async function replot(args: Args): Promise<number> {
  const jsonPath = join(args.out, 'webrtc.json')
  const report = JSON.parse(await readFile(jsonPath, 'utf8')) as {
    date: string
    runs: ScenarioResult[]
    parameters: { peers: number[]; edits: number; seed: number; idleMs: number }
  }
  const { peers, edits, seed, idleMs } = report.parameters
  const svgPath = join(args.out, 'webrtc.svg')
  await writeFile(svgPath, chart(report.runs, { ...args, peers, edits, seed, idleMs }, report.date))
  process.stdout.write(`wrote ${svgPath} from ${jsonPath}\n`)
  return 0
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2))
  if (args.replot) return replot(args)
  if (process.env['GOSSAMER_NETNS'] !== '1') {
    process.stderr.write(
      'bench/webrtc: WebRTC gathers candidates on every interface, so this bench runs only inside a private network namespace:\n' +
        '  bash scripts/with-netns.sh npx tsx --conditions=source bench/webrtc/run.ts\n',
    )
    return 2
  }
  const t0 = performance.now()
  const date = new Date().toISOString()
  const hashBefore = await sourceHash()
  const results: ScenarioResult[] = []
  const failures: { system: SystemName; peers: number; reason: string }[] = []
  const perRunMs = (): number => args.idleMs + args.edits * ((MIN_GAP_MS + MAX_GAP_MS) / 2) + 16_000
  let order = 0
  for (const peers of args.peers) {
    // Alternate which system goes first at each N, so neither always runs on a warmer machine.
    const systems = order++ % 2 === 0 ? args.systems : [...args.systems].reverse()
    for (const system of systems) {
      const remaining = TOTAL_BUDGET_MS - (performance.now() - t0)
      if (remaining < perRunMs()) {
        failures.push({ system, peers, reason: `skipped: ${Math.round(remaining / 1000)} s left of the ${TOTAL_BUDGET_MS / 1000} s budget` })
        continue
      }
      process.stderr.write(`${system} N=${peers}\n`)
      const outcome = await runScenario(system, peers, args, Math.min(remaining, perRunMs() + 40_000))
      if (typeof outcome === 'string') failures.push({ system, peers, reason: outcome })
      else results.push(outcome)
    }
  }
  killStarted()

  const hashAfter = await sourceHash()
  if (hashAfter !== hashBefore) process.stderr.write('warning: Gossamer sources changed during the run; run it again for figures of one version\n')
  const found = targets(results, args.peers)
  const summary = table(results)
  const report = {
    scenario: 'webrtc',
    description:
      'Gossamer (@gossamer/core rooms on @gossamer/webrtc, maxNeighbours 6) against y-webrtc 10.3.0 (WebrtcProvider, BroadcastChannel stubbed out) over real WebRTC: ' +
      'time to connect; edit-to-visible latency (each remote doc\'s state vector covers the edit) over all (edit, peer) pairs; data-channel bytes and messages per edit ' +
      '(RTCDataChannel.prototype.send of @roamhq/wrtc, both systems); idle data-channel bytes per second per peer with presence on; peak connections per peer.',
    date,
    quick: args.quick,
    versions: { ...(await versions()), sourceHash: hashBefore },
    sourcesChanged: hashAfter !== hashBefore,
    parameters: {
      peers: args.peers,
      edits: args.edits,
      seed: args.seed,
      editGapMs: [MIN_GAP_MS, MAX_GAP_MS],
      idleMs: args.idleMs,
      maxNeighbours: MAX_NEIGHBOURS,
      room: ROOM_NAME,
      iceServers: [],
      signaling: 'each system\'s own server as a child process: y-webrtc/bin/server.js, gossamer-signal',
      process: 'one child process per (system, N), all N peers in it',
    },
    runs: results,
    crossCheck: crossCheck(results),
    failures,
    targets: found,
    table: summary,
    wallMs: performance.now() - t0,
  }
  await mkdir(args.out, { recursive: true })
  const jsonPath = join(args.out, 'webrtc.json')
  const svgPath = join(args.out, 'webrtc.svg')
  await writeFile(jsonPath, `${JSON.stringify(report, null, 2)}\n`)
  await writeFile(svgPath, chart(results, args, date))

  process.stdout.write(`\n${summary}\n\nTargets:\n`)
  for (const t of found) process.stdout.write(`  [${t.met === null ? 'n/a' : t.met ? 'met' : 'MISSED'}] ${t.description}: ${t.measured} (target ${t.target})\n`)
  for (const r of [...results].sort((a, b) => a.peers - b.peers || a.system.localeCompare(b.system))) {
    const kinds = Object.entries(r.idle.byKind).map(([k, v]) => `${k} ${v.messages}×/${v.bytes} B`).join(', ')
    process.stdout.write(`  idle ${r.system} N=${r.peers}: ${kinds || 'nothing'}\n`)
  }
  for (const f of failures) process.stdout.write(`  failed ${f.system} N=${f.peers}: ${f.reason}\n`)
  process.stdout.write(`\nwrote ${jsonPath} and ${svgPath} in ${fmt(report.wallMs / 1000)} s\n`)
  return results.length > 0 ? 0 : 1
}

main().then(
  (code) => {
    killStarted()
    process.exit(code)
  },
  (error: unknown) => {
    killStarted()
    process.stderr.write(`bench/webrtc failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exit(1)
  },
)
