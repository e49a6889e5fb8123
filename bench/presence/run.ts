/**
 * `tsx --conditions=source bench/presence/run.ts [--quick] [--out <dir>]`
 *
 * What signed presence costs (rooms with a secret): the signatures of one local awareness
 * update (its entry and the removal signed in advance), the check of one received entry,
 * the bytes of one awareness update on a link with and without a secret, and one update end
 * to end between two rooms on the memory network (wall and CPU time per update, both rooms
 * in this process), with and without a secret. Writes `<out>/presence-trust.json`.
 */
import { execFileSync } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { arch, cpus, loadavg, platform, release } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as Y from 'yjs'
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness'
import { createRoom, encodeFrame, FrameType, generateIdentity, importPublicKey, memoryNetwork, signatureBackend, signAwarenessEntry, verifyAwarenessEntry } from '@gossamer/core'
import { round, throughput } from '../crypto/timing.js'

const here = dirname(fileURLToPath(import.meta.url))
const argv = process.argv.slice(2).filter((arg) => arg !== '--')
const quick = argv.includes('--quick')
const outIndex = argv.indexOf('--out')
const outDir = outIndex >= 0 && argv[outIndex + 1] !== undefined ? resolve(argv[outIndex + 1] as string) : join(here, '..', 'results', quick ? 'quick' : '')
const DURATION_MS = quick ? 200 : 1000
const UPDATES = quick ? 50 : 400

/** Presence states as editor bindings set them: a name alone, and a name, colour and a selection of relative positions. */
const STATES: Record<string, Record<string, unknown>> = {
  name: { user: { name: 'Ada' } },
  cursor: {
    user: { name: 'Ada Lovelace', color: '#30bced', colorLight: '#30bced33' },
    cursor: {
      anchor: { type: { client: 3_127_604_552, clock: 12 }, tname: null, item: { client: 3_127_604_552, clock: 1_834 }, assoc: 0 },
      head: { type: { client: 3_127_604_552, clock: 12 }, tname: null, item: { client: 3_127_604_552, clock: 1_840 }, assoc: 0 },
    },
  },
}

const encoder = new TextEncoder()

async function signingFigures(): Promise<Record<string, unknown>> {
  // The implementation rooms use: node:crypto in Node, else the platform's choice.
  const backend = await signatureBackend('node').catch(() => signatureBackend('auto'))
  const identity = await generateIdentity({ backend })
  const key = await importPublicKey(identity.publicKey, { backend })
  const state = encoder.encode(JSON.stringify(STATES.cursor))
  let clock = Date.now()
  // One local update: its entry and the removal that would follow it, signed side by side.
  const sign = await throughput(async (n) => {
    for (let i = 0; i < n; i++) {
      const c = clock++
      await Promise.all([signAwarenessEntry(identity, 'bench', { clientID: 1, clock: c, state }), signAwarenessEntry(identity, 'bench', { clientID: 1, clock: c + 1, state: null })])
    }
  }, 32, DURATION_MS)
  const entries = await Promise.all(Array.from({ length: 256 }, (_, i) => signAwarenessEntry(identity, 'bench', { clientID: 1, clock: i, state })))
  let cursor = 0
  const verifyOne = async (n: number): Promise<void> => {
    const checks: Promise<boolean>[] = []
    for (let i = 0; i < n; i++) checks.push(verifyAwarenessEntry(key, 'bench', entries[cursor++ & 255]!))
    if ((await Promise.all(checks)).includes(false)) throw new Error('a valid entry failed to verify')
  }
  const verifySequential = await throughput(async (n) => {
    for (let i = 0; i < n; i++) await verifyOne(1)
  }, 32, DURATION_MS)
  const verifyParallel = await throughput(verifyOne, 64, DURATION_MS)
  const us = (perSecond: number): number => round(1e6 / perSecond)
  const figures = {
    signUpdatePerSecond: sign.perSecond,
    signUpdateUs: us(sign.perSecond),
    signUpdateCpuUs: us(sign.perCpuSecond),
    verifyEntryUs: us(verifySequential.perSecond),
    verifyEntryCpuUs: us(verifySequential.perCpuSecond),
    verifyEntryParallelUs: us(verifyParallel.perSecond),
    verifyEntryParallelCpuUs: us(verifyParallel.perCpuSecond),
    backend: identity.backend,
    raw: { sign, verifySequential, verifyParallel },
  }
  console.log(`  sign one update (entry + removal): ${figures.signUpdateUs} µs (${figures.signUpdateCpuUs} µs CPU); verify one entry: ${figures.verifyEntryUs} µs (${figures.verifyEntryCpuUs} µs CPU), batched ${figures.verifyEntryParallelUs} µs`)
  return figures
}

async function byteFigures(): Promise<Record<string, unknown>[]> {
  const identity = await generateIdentity()
  const rows: Record<string, unknown>[] = []
  for (const [name, state] of Object.entries(STATES)) {
    const doc = new Y.Doc()
    doc.clientID = 3_127_604_552
    const awareness = new Awareness(doc)
    clearInterval((awareness as unknown as { _checkInterval: ReturnType<typeof setInterval> })._checkInterval)
    awareness.setLocalState(state)
    awareness.meta.set(doc.clientID, { clock: 42, lastUpdated: 0 })
    const open = encodeFrame({ type: FrameType.Awareness, room: '', update: encodeAwarenessUpdate(awareness, [doc.clientID]) }).length
    awareness.destroy()
    // With a secret: a 53-bit clientID and a clock that starts at the wall-clock milliseconds.
    const entry = await signAwarenessEntry(identity, 'bench', { clientID: 2 ** 52 + 12_345, clock: Date.now() + 42, state: encoder.encode(JSON.stringify(state)) })
    const signed = encodeFrame({ type: FrameType.SignedAwareness, room: '', entries: [entry] }).length
    rows.push({ state: name, stateJsonBytes: encoder.encode(JSON.stringify(state)).length, openFrameBytes: open, secretFrameBytes: signed, extraBytes: signed - open, ratio: round(signed / open) })
    console.log(`  bytes per awareness update (${name}): open ${open} B, with a secret ${signed} B (+${signed - open})`)
  }
  return rows
}

/** K sequential updates from one room, each awaited at the other: wall and CPU time per update. */
async function endToEnd(secret: string | undefined): Promise<Record<string, unknown>> {
  const network = memoryNetwork()
  const make = (): ReturnType<typeof createRoom> =>
    createRoom({ name: 'bench', doc: new Y.Doc(), transports: [network.transport()], roundMs: 60_000, ...(secret === undefined ? {} : { secret }) })
  const [a, b] = [make(), make()]
  await Promise.all([a.whenSynced(), b.whenSynced()])
  const client = a.doc.clientID
  const seen = (i: number): Promise<void> =>
    new Promise((done) => {
      const check = (): void => {
        if ((b.awareness.getStates().get(client) as { cursor?: number } | undefined)?.cursor === i) {
          b.awareness.off('change', check)
          done()
        }
      }
      b.awareness.on('change', check)
      check()
    })
  for (let i = 0; i < 20; i++) {
    const arrived = seen(-1 - i)
    a.awareness.setLocalStateField('cursor', -1 - i)
    await arrived
  }
  const bytes0 = a.stats().bytesSent
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  for (let i = 0; i < UPDATES; i++) {
    const arrived = seen(i)
    a.awareness.setLocalStateField('cursor', i)
    await arrived
  }
  const wallMs = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  const bytes = a.stats().bytesSent - bytes0
  await Promise.all([a.close(), b.close()])
  return { secret: secret !== undefined, updates: UPDATES, msPerUpdate: round(wallMs / UPDATES), cpuMsPerUpdate: round((cpu.user + cpu.system) / 1000 / UPDATES), bytesSentPerUpdate: round(bytes / UPDATES) }
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: here, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return 'unknown'
  }
}

const before = loadavg().map((x) => round(x))
console.log('presence-trust bench')
const signing = await signingFigures()
const bytes = await byteFigures()
const e2e = [await endToEnd(undefined), await endToEnd('YmVuY2gtcHJlc2VuY2UtdHJ1c3Qtc2VjcmV0LTAwMQ')]
for (const row of e2e) console.log(`  end to end (${row.secret === true ? 'secret' : 'open'}): ${String(row.msPerUpdate)} ms, ${String(row.cpuMsPerUpdate)} ms CPU, ${String(row.bytesSentPerUpdate)} B sent per update`)
const result = {
  scenario: 'presence-trust',
  description: 'Signed presence: sign (entry + removal) per local update, verify per received entry, bytes per awareness update with and without a secret, and one update end to end between two rooms on the memory network.',
  date: new Date().toISOString(),
  quick,
  versions: { node: process.version, platform: `${platform()} ${release()} ${arch()}`, cpus: cpus().length, cpuModel: cpus()[0]?.model.trim() ?? 'unknown', gitCommit: gitCommit() },
  loadAverage: { before, after: loadavg().map((x) => round(x)) },
  signing,
  bytes,
  endToEnd: e2e,
}
await mkdir(outDir, { recursive: true })
await writeFile(join(outDir, 'presence-trust.json'), `${JSON.stringify(result, null, 2)}\n`)
console.log(`wrote ${join(outDir, 'presence-trust.json')}`)
