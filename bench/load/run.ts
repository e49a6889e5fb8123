/**
 * `tsx --conditions=source bench/load/run.ts [--quick] [--out <dir>]`
 *
 * Honest load: does a busy room ever mistake its own honest peers for flooders? 16 rooms on
 * the memory network in this process (a mesh of 2 to 4 neighbours each, default budgets,
 * presence on), in two workloads, each without and with a room secret:
 *
 * - `typists`: 8 peers type at a brisk human pace (a keystroke every 80 to 120 ms at a random
 *   place) and move their cursor with every keystroke, for 10 s;
 * - `scripts`: 4 peers run a script that makes 400 transactions in a row, one per turn of the
 *   event loop, and moves its cursor with each, while 4 others type as above.
 *
 * For each: edit-to-visible latency over every (edit, other peer) pair, cursor latency (until
 * a peer shows a mover's cursor at least as new as each move, over every (move, other peer)
 * pair: moves in between may be coalesced away), whether every
 * replica ends equal and every peer shows every cursor's last position, and the counters
 * that show an honest peer being treated as a flooder (frames throttled, peers throttled or
 * cut off) or load being absorbed (deltas shed, presence paced or held, updates held and
 * dropped), with the error events by name. Writes `<out>/load.json`.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { cpus, loadavg } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as Y from 'yjs'
import { createRoom, memoryNetwork, seededRandom, type Room } from '@gossamer/core'
import { LatencyTracker, mulberry32, quantile } from '../webrtc/latency.js'

const here = dirname(fileURLToPath(import.meta.url))
const argv = process.argv.slice(2).filter((arg) => arg !== '--')
const quick = argv.includes('--quick')
const outIndex = argv.indexOf('--out')
const out = outIndex >= 0 && argv[outIndex + 1] !== undefined ? resolve(argv[outIndex + 1] as string) : join(here, '..', 'results', quick ? 'quick' : '')

const SECRET = 'q3JxVbq8m2JrQ5fTn0sYl7cE1dH4kP9wZ6uA2bX8vN0'
const PEERS = 16
const TYPING_MS = quick ? 3_000 : 10_000
const SCRIPT_TRANSACTIONS = quick ? 100 : 400
const COUNTERS = ['framesThrottled', 'peersThrottled', 'peersCutOff', 'deltasShed', 'presencePaced', 'presenceHeld', 'updatesHeld', 'pendingDropped', 'framesSent'] as const
type Counter = (typeof COUNTERS)[number]

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms))
const turn = (): Promise<void> => new Promise((done) => setImmediate(done))
const cpuMs = (): number => {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1000
}
const round = (value: number | null, digits = 1): number | null => (value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits)

/** Resolves once `check()` holds (tested on each update of `doc` or `awareness` change), or false after `ms`. */
function until(subscribe: (listener: () => void) => () => void, check: () => boolean, ms: number): Promise<boolean> {
  return new Promise((done) => {
    let off = (): void => {}
    const timer = setTimeout(() => (off(), done(false)), ms)
    const listener = (): void => {
      if (!check()) return
      clearTimeout(timer)
      off()
      done(true)
    }
    off = subscribe(listener)
    listener()
  })
}

async function run(workload: 'typists' | 'scripts', secret: boolean) {
  const network = memoryNetwork({ random: seededRandom(7) })
  const errors: Record<string, number> = {}
  const rooms: Room[] = []
  for (let i = 0; i < PEERS; i++) {
    const room = createRoom({ name: 'bench-load', doc: new Y.Doc(), transports: [network.transport()], random: seededRandom(100 + i), maxNeighbours: 4, minNeighbours: 2, ...(secret ? { secret: SECRET } : {}) })
    room.on('error', ({ error }) => void (errors[error.name] = (errors[error.name] ?? 0) + 1))
    room.awareness.setLocalStateField('user', { name: `peer ${i}` })
    rooms.push(room)
  }
  await Promise.all(rooms.map((room) => room.whenSynced()))
  await sleep(2_000) // greetings and the first rounds settle
  const before = new Map(rooms.map((room) => [room, room.stats()]))
  const tracker = new LatencyTracker(rooms.map((room) => room.doc))
  const random = mulberry32(workload === 'typists' ? 1 : 2)
  const lastCursor = new Map<number, number>()
  // Cursor latency: how long until a peer shows a mover's cursor at least as new as a given move
  // (moves in between may never be sent: only the latest state matters).
  const movedAt = new Map<number, number[]>()
  const cursorSamples: number[] = []
  const cursorOffs = rooms.map((room) => {
    const shown = new Map<number, number>()
    const listener = (): void => {
      const now = performance.now()
      for (const [client, times] of movedAt) {
        if (client === room.awareness.clientID) continue
        const seq = (room.awareness.getStates().get(client) as { cursor?: { seq: number } } | undefined)?.cursor?.seq ?? -1
        for (let k = (shown.get(client) ?? -1) + 1; k <= seq && k < times.length; k++) cursorSamples.push(now - times[k]!)
        if (seq > (shown.get(client) ?? -1)) shown.set(client, seq)
      }
    }
    room.awareness.on('change', listener)
    return () => room.awareness.off('change', listener)
  })
  const edit = (peer: number): void => {
    const text = rooms[peer]!.doc.getText('t')
    const at = Math.floor(random() * (text.length + 1))
    tracker.beforeEdit(peer)
    text.insert(at, String.fromCharCode(97 + Math.floor(random() * 26)))
    const client = rooms[peer]!.awareness.clientID
    const times = movedAt.get(client) ?? []
    movedAt.set(client, times)
    rooms[peer]!.awareness.setLocalStateField('cursor', { at: at + 1, seq: times.length })
    lastCursor.set(client, times.length)
    times.push(performance.now())
  }
  const typist = async (peer: number): Promise<number> => {
    let edits = 0
    const end = performance.now() + TYPING_MS
    while (performance.now() < end) {
      await sleep(80 + random() * 40)
      edit(peer)
      edits++
    }
    return edits
  }
  const script = async (peer: number): Promise<number> => {
    for (let i = 0; i < SCRIPT_TRANSACTIONS; i++) {
      edit(peer)
      await turn()
    }
    return SCRIPT_TRANSACTIONS
  }
  const t0 = performance.now()
  const c0 = cpuMs()
  const workers = workload === 'typists' ? Array.from({ length: 8 }, (_, i) => typist(i)) : [...[0, 1, 2, 3].map(script), ...[4, 5, 6, 7].map(typist)]
  const edits = (await Promise.all(workers)).reduce((a, b) => a + b, 0)
  const allVisible = await tracker.settled(60_000)
  const visibleMs = performance.now() - t0
  tracker.dispose()
  const cursorsShown = await Promise.all(
    rooms.map((room) =>
      until(
        (listener) => (room.awareness.on('change', listener), () => room.awareness.off('change', listener)),
        () => [...lastCursor].every(([client, seq]) => (room.awareness.getStates().get(client) as { cursor?: { seq: number } } | undefined)?.cursor?.seq === seq),
        30_000,
      ),
    ),
  )
  const wallMs = performance.now() - t0
  for (const off of cursorOffs) off()
  const cpu = cpuMs() - c0
  const texts = rooms.map((room) => room.doc.getText('t').toString())
  const counters = Object.fromEntries(COUNTERS.map((key) => [key, rooms.reduce((sum, room) => sum + room.stats()[key] - before.get(room)![key], 0)])) as Record<Counter, number>
  await Promise.all(rooms.map((room) => room.close()))
  const samples = tracker.samples
  const row = {
    workload,
    secret,
    peers: PEERS,
    edits,
    allVisible,
    missing: tracker.outstanding,
    replicasEqual: texts.every((text) => text === texts[0]),
    cursorsShown: cursorsShown.filter(Boolean).length,
    latencyMs: { p50: round(quantile(samples, 0.5), 2), p99: round(quantile(samples, 0.99), 2), max: round(quantile(samples, 1), 2), samples: samples.length },
    cursorLatencyMs: { p50: round(quantile(cursorSamples, 0.5), 2), p99: round(quantile(cursorSamples, 0.99), 2), max: round(quantile(cursorSamples, 1), 2), samples: cursorSamples.length },
    visibleMs: round(visibleMs, 0),
    wallMs: round(wallMs, 0),
    cpuMs: round(cpu, 0),
    framesPerEdit: round(counters.framesSent / edits, 1),
    ...counters,
    errors,
  }
  console.log(`  ${workload} ${secret ? 'with a secret' : 'open'}: ${edits} edits, p50 ${row.latencyMs.p50} ms, p99 ${row.latencyMs.p99} ms; cursors p50 ${row.cursorLatencyMs.p50} ms, p99 ${row.cursorLatencyMs.p99} ms; throttled ${counters.framesThrottled} frames, cut off ${counters.peersCutOff}; shed ${counters.deltasShed}, presence paced ${counters.presencePaced}, held ${counters.updatesHeld}, dropped ${counters.pendingDropped}; errors ${JSON.stringify(errors)}`)
  return row
}

// The rooms' timers do not keep a process alive (they are unref'd): this does, while the runs last.
const alive = setInterval(() => {}, 1_000)
const load = loadavg()
const runs = []
for (const workload of ['typists', 'scripts'] as const) for (const secret of [false, true]) runs.push(await run(workload, secret))
clearInterval(alive)
const honest = runs.every((r) => r.framesThrottled === 0 && r.peersThrottled === 0 && r.peersCutOff === 0)
const complete = runs.every((r) => r.allVisible && r.replicasEqual && r.cursorsShown === r.peers)
const quiet = runs.every((r) => Object.keys(r.errors).length === 0)
const result = {
  scenario: 'load',
  description: `honest load on ${PEERS} peers (memory network, default budgets, presence on): 8 typists, and 4 scripts of ${SCRIPT_TRANSACTIONS} transactions in a row beside 4 typists, each keystroke moving a cursor; open and with a secret`,
  date: new Date().toISOString(),
  quick,
  versions: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model.trim() ?? 'unknown' },
  loadAverage: { before: load, after: loadavg() },
  parameters: { peers: PEERS, maxNeighbours: 4, minNeighbours: 2, typingMs: TYPING_MS, keystrokeGapMs: [80, 120], scriptTransactions: SCRIPT_TRANSACTIONS },
  runs,
  targets: [
    { description: 'honest peers throttled or cut off by their neighbours', target: '0', measured: `${runs.reduce((s, r) => s + r.peersThrottled + r.peersCutOff, 0)} peers, ${runs.reduce((s, r) => s + r.framesThrottled, 0)} frames`, met: honest },
    { description: 'every edit visible at every peer, replicas equal, every last cursor shown everywhere', target: 'all', measured: complete ? 'all' : 'not all (see runs)', met: complete },
    { description: 'error events', target: '0', measured: quiet ? '0' : JSON.stringify(runs.map((r) => r.errors)), met: quiet },
  ],
}
await mkdir(out, { recursive: true })
await writeFile(join(out, 'load.json'), JSON.stringify(result, null, 2) + '\n')
console.log(JSON.stringify(result.targets, null, 2))
