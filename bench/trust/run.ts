/**
 * `pnpm bench -- --only trust` (or `npx tsx --conditions=source bench/trust/run.ts [--quick] [--out DIR]`):
 * what a room secret costs, next to an open room in the same run.
 *
 * - **join**: a writer makes N small edits (one keystroke each, at random positions, the
 *   issue's 10,000-edit document); a second peer then joins and syncs. Measured: time from
 *   the joiner's start until it holds the whole document (with a secret: the writer's signed
 *   checkpoint applied), then until it is synced (with a secret: every entry under the
 *   checkpoint checked too), bytes that crossed, CPU. Rooms on the in-process memory network
 *   with no latency, so the time is the work of both peers.
 * - **large join**: the same with a document 10 times larger, typed in bursts of 50: with a
 *   secret the reply is several MB (SyncPart frames received counted; a run with its
 *   checkpoint goes whole while it fits the wire).
 * - **verify**: N signed entries of one author pushed one by one to a receiver that checks
 *   each (Ed25519 signature over the chain head, authorship rules) and applies it: entries per
 *   second of wall and of CPU time.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { cpus, loadavg } from 'node:os'
import { dirname, join as joinPath } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as Y from 'yjs'
import { createRoom, memoryNetwork, seededRandom, type Room, type RoomOptions } from '@gossamer/core'

const here = dirname(fileURLToPath(import.meta.url))
const args = process.argv.slice(2)
const quick = args.includes('--quick')
const outIndex = args.indexOf('--out')
const out = outIndex >= 0 ? (args[outIndex + 1] as string) : joinPath(here, '..', 'results', quick ? 'quick' : '')
const EDITS = quick ? 1000 : 10_000
const SECRET = Buffer.from('gossamer-bench-secret-32-bytes!!').toString('base64url')

const cpu = (): number => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

/** Resolves when `predicate` holds, checked after every update of `doc` (no polling). */
function until(doc: Y.Doc, predicate: () => boolean, what: string, timeoutMs = 300_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (!predicate()) return
      clearTimeout(timer)
      doc.off('update', check)
      resolve()
    }
    const timer = setTimeout(() => {
      doc.off('update', check)
      reject(new Error(`timed out waiting for ${what}`))
    }, timeoutMs)
    doc.on('update', check)
    check()
  })
}

/**
 * One join measurement: a writer with `edits` edits (one keystroke each, `burst` per
 * event-loop turn: with a secret, a burst shares one signature), then a joiner.
 */
async function join(secret: boolean, seed: number, edits = EDITS, burst = 1) {
  const network = memoryNetwork({ random: seededRandom(seed) })
  const options = (i: number): RoomOptions => ({
    name: 'bench-join',
    doc: new Y.Doc(),
    transports: [network.transport()],
    random: seededRandom(seed * 10 + i),
    presence: false,
    ...(secret ? { secret: SECRET } : {}),
  })
  const writer = createRoom(options(0))
  await writer.whenLoaded()
  const text = writer.doc.getText('t')
  const random = seededRandom(seed)
  for (let i = 0; i < edits; i++) {
    text.insert(Math.floor(random.next() * (text.length + 1)), String.fromCharCode(97 + (i % 26)))
    if (burst > 1 && i % burst === burst - 1) await new Promise((resolve) => setImmediate(resolve))
  }
  const size = Y.encodeStateAsUpdate(writer.doc).byteLength
  await writer.flush() // with a secret: every edit signed, and the writer's checkpoint made
  const before = network.stats()
  const t0 = performance.now()
  const c0 = cpu()
  const joiner: Room = createRoom(options(1))
  await until(joiner.doc, () => joiner.doc.getText('t').length === edits, 'the joiner to hold the document')
  const ms = performance.now() - t0
  await joiner.whenSynced()
  const syncedMs = performance.now() - t0
  const cpuMs = cpu() - c0
  const after = network.stats()
  const parts = joiner.stats().syncPartsReceived
  await Promise.all([writer.close(), joiner.close()])
  const bytes = after.bytesSent - before.bytesSent
  return { secret, edits, burst, parts, updateBytes: size, ms: round(ms), syncedMs: round(syncedMs), cpuMs: round(cpuMs), bytes, bytesRatio: round(bytes / size, 3) }
}

/**
 * Pushes `EDITS` signed entries from an author to a receiver, `burst` keystrokes per event-loop
 * turn (a burst shares one signature and goes out as one run), and times both.
 */
async function verify(seed: number, burst: number) {
  const network = memoryNetwork({ random: seededRandom(seed) })
  const make = (i: number): Room =>
    createRoom({ name: 'bench-verify', doc: new Y.Doc(), transports: [network.transport()], random: seededRandom(seed + i), presence: false, secret: SECRET, maxNeighbours: 1, minNeighbours: 1 })
  const author = make(0)
  const receiver = make(1)
  await Promise.all([author.whenSynced(), receiver.whenSynced()])
  const text = author.doc.getText('t')
  const t0 = performance.now()
  const c0 = cpu()
  for (let i = 0; i < EDITS; i++) {
    text.insert(text.length, 'x')
    if (i % burst === burst - 1) await new Promise((resolve) => setImmediate(resolve))
  }
  await until(receiver.doc, () => receiver.doc.getText('t').length === EDITS, 'the receiver to apply every entry')
  const ms = performance.now() - t0
  const cpuMs = cpu() - c0
  const deltas = receiver.stats().deltasReceived
  await Promise.all([author.close(), receiver.close()])
  // Both peers share this process: the CPU time covers signing at the author too.
  return { entries: EDITS, burst, deltasReceived: deltas, ms: round(ms), cpuMs: round(cpuMs), entriesPerSecond: Math.round(EDITS / (ms / 1000)), entriesPerCpuSecond: Math.round(EDITS / (cpuMs / 1000)) }
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}

const load = loadavg()
const joins = []
for (const seed of [1, 2, 3]) {
  joins.push(await join(false, seed))
  joins.push(await join(true, seed))
}
// A document 10 times larger, typed in bursts of 50 keystrokes: a reply with a secret is then
// several MB (its one run, with the writer's checkpoint, goes whole while it fits the wire).
const LARGE = quick ? 20_000 : 100_000
const largeOpen = await join(false, 1, LARGE, 50)
const largeSecret = await join(true, 1, LARGE, 50)
const large = [largeOpen, largeSecret]
const verifies = [await verify(1, 1), await verify(2, 1), await verify(1, 64), await verify(2, 64)]
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] as number
const openMs = median(joins.filter((j) => !j.secret).map((j) => j.ms))
const secretMs = median(joins.filter((j) => j.secret).map((j) => j.ms))
const openSyncedMs = median(joins.filter((j) => !j.secret).map((j) => j.syncedMs))
const secretSyncedMs = median(joins.filter((j) => j.secret).map((j) => j.syncedMs))
const bestVerify = Math.max(...verifies.filter((v) => v.burst === 1).map((v) => v.entriesPerCpuSecond))
const bestBurst = Math.max(...verifies.filter((v) => v.burst === 64).map((v) => v.entriesPerCpuSecond))
// A join checks one run per author: its entries hashed and checked, one signature verified.
const joinCpu = median(joins.filter((j) => j.secret).map((j) => j.cpuMs))
const batched = Math.round(EDITS / (joinCpu / 1000))
const result = {
  scenario: 'trust',
  description: 'what a room secret costs: joining a 10,000-edit document, and checking pushed signed entries',
  date: new Date().toISOString(),
  quick,
  versions: { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model.trim() ?? 'unknown' },
  loadAverage: { before: load, after: loadavg() },
  join: joins,
  large,
  verify: verifies,
  targets: [
    { description: `initial sync of the ${EDITS.toLocaleString('en-US')}-edit document, with a secret (until the joiner holds it: the signed checkpoint applied)`, target: '≤ 1.3 × without', measured: `${secretMs} ms against ${openMs} ms (${round(secretMs / openMs, 2)}×)`, met: secretMs <= 1.3 * openMs },
    { description: `the same join until the joiner is synced (with a secret: every entry under the checkpoint checked too); no target`, target: 'none', measured: `${secretSyncedMs} ms against ${openSyncedMs} ms (${round(secretSyncedMs / openSyncedMs, 2)}×)`, met: null },
    { description: `join of a ${LARGE.toLocaleString('en-US')}-edit document (bursts of 50), with a secret; no target`, target: 'none', measured: `${largeSecret.syncedMs} ms until synced (holds it at ${largeSecret.ms} ms), ${largeSecret.bytes.toLocaleString('en-US')} bytes in ${largeSecret.parts} parts, against ${largeOpen.syncedMs} ms and ${largeOpen.bytes.toLocaleString('en-US')} bytes open (${largeOpen.parts} parts)`, met: null },
    { description: 'verification throughput, entries checked in runs (a join: both peers in one process)', target: '≥ 10,000 entries/s per core', measured: `${batched} entries per CPU second`, met: batched >= 10_000 },
    { description: 'verification throughput, one keystroke per event-loop turn, each signed and pushed alone (author signing and receiver checking in one process)', target: '≥ 10,000 entries/s per core', measured: `${bestVerify} entries per CPU second`, met: bestVerify >= 10_000 },
    { description: 'verification throughput, keystrokes in bursts of 64 per turn, one signature per burst (author and receiver in one process)', target: '≥ 10,000 entries/s per core', measured: `${bestBurst} entries per CPU second`, met: bestBurst >= 10_000 },
  ],
}
await mkdir(out, { recursive: true })
await writeFile(joinPath(out, 'trust.json'), JSON.stringify(result, null, 2) + '\n')
console.log(JSON.stringify({ join: joins, large, verify: verifies, targets: result.targets }, null, 2))
