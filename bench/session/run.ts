/**
 * `tsx --conditions=source bench/session/run.ts [--quick] [--out <dir>]`
 *
 * What a room secret costs at the session level, with and without one, on the in-memory
 * network (real rooms, real WebCrypto, the system clock):
 * - handshake: from both rooms loaded to both seeing `peer:join` (discovery + handshake; with
 *   a secret, the authenticated key exchange, then the join handshake sealed), and the setup
 *   a secret adds before that (key schedule + identity);
 * - per-frame seal + open: frames through a session's sealer and opener with the frame's
 *   associated data, one at a time and pipelined, for a typical small edit (40 bytes) and 1 KB;
 * - per edit: bytes on the wire per single-character edit between two peers, and the time
 *   from the edit to its arrival (edit-to-visible), one edit at a time.
 * Writes `<out>/session.json` (default `bench/results`, or `bench/results/quick`).
 */
import { execFileSync } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { arch, cpus, platform, release } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as Y from 'yjs'
import {
  createRoom,
  deriveRoomKeys,
  encodeFrame,
  frameAssociatedData,
  FrameType,
  generateRoomSecret,
  memoryNetwork,
  type Room,
  type RoomOptions,
} from '@gossamer/core'
import { sessionPair } from '../crypto/session-pair.js'

const here = dirname(fileURLToPath(import.meta.url))
const argv = process.argv.slice(2).filter((arg) => arg !== '--')
const quick = argv.includes('--quick')
const outIndex = argv.indexOf('--out')
const outDir = outIndex >= 0 && argv[outIndex + 1] !== undefined ? resolve(argv[outIndex + 1] as string) : join(here, '..', 'results', quick ? 'quick' : '')
const PAIRS = quick ? 10 : 60
const FRAMES = quick ? 2_000 : 20_000
const EDITS = quick ? 100 : 1_000

/**
 * `open-53bit`: a room without a secret whose peers use 53-bit clientIDs, as peers of a room
 * with a secret do (their clientID is derived from their key): it separates the cost of
 * sealing from the cost of longer clientIDs.
 */
type Mode = 'open' | 'open-53bit' | 'secret'

function stats(values: number[]): { n: number; p50: number; p90: number; mean: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN
  const r = (x: number): number => Math.round(x * 1000) / 1000
  return { n: values.length, p50: r(at(0.5)), p90: r(at(0.9)), mean: r(values.reduce((s, v) => s + v, 0) / values.length), max: r(sorted[sorted.length - 1] ?? NaN) }
}

function until(predicate: () => boolean): Promise<void> {
  return new Promise((done, fail) => {
    const deadline = performance.now() + 20_000
    const check = (): void => {
      if (predicate()) return done()
      if (performance.now() > deadline) return fail(new Error('bench: timed out'))
      setImmediate(check)
    }
    check()
  })
}

function pair(mode: Mode, options: Partial<RoomOptions> = {}): [Room, Room] {
  const network = memoryNetwork()
  const secret = mode === 'secret' ? generateRoomSecret() : undefined
  const make = (i: number): Room => {
    const doc = new Y.Doc()
    if (mode === 'open-53bit') doc.clientID = 2 ** 52 + 12_345 * (i + 1)
    return createRoom({ name: 'bench-session', doc, transports: [network.transport()], ...(secret === undefined ? {} : { secret }), ...options })
  }
  return [make(0), make(1)]
}

/** Time from both rooms loaded to both linked, and the setup before (loading; with a secret: keys and identity). */
async function handshakes(mode: Mode): Promise<{ setupMs: number[]; handshakeMs: number[] }> {
  const setupMs: number[] = []
  const handshakeMs: number[] = []
  for (let i = 0; i < PAIRS; i++) {
    const t0 = performance.now()
    const rooms = pair(mode, { roundMs: 60_000, presence: false })
    await Promise.all(rooms.map((r) => r.whenLoaded()))
    const t1 = performance.now()
    await until(() => rooms.every((r) => r.neighbours().length === 1))
    handshakeMs.push(performance.now() - t1)
    setupMs.push(t1 - t0)
    await Promise.all(rooms.map((r) => r.close()))
  }
  return { setupMs, handshakeMs }
}

/** Seal + open of `size`-byte frames through one session direction, with associated data. */
async function sealOpen(size: number): Promise<{ sequentialUs: number; pipelinedUs: number }> {
  const keys = await deriveRoomKeys({ room: 'bench-session', secret: generateRoomSecret() })
  const [a, b] = await sessionPair(keys)
  const ad = (sequence: number): Uint8Array => frameAssociatedData({ version: 5, room: 'bench-session', sender: 'A'.repeat(43), sequence })
  const plain = new Uint8Array(size).fill(7)
  const once = async (): Promise<void> => {
    const sealed = await a.sealer.seal(plain, ad)
    encodeFrame({ type: FrameType.Sealed, room: '', sealed })
    await b.opener.open(sealed, ad)
  }
  for (let i = 0; i < FRAMES / 10; i++) await once()
  let t = performance.now()
  for (let i = 0; i < FRAMES; i++) await once()
  const sequentialUs = ((performance.now() - t) * 1000) / FRAMES
  t = performance.now()
  const batch = 64
  for (let i = 0; i < FRAMES; i += batch) {
    const sealed = await Promise.all(Array.from({ length: batch }, () => a.sealer.seal(plain, ad)))
    await Promise.all(sealed.map((s) => b.opener.open(s, ad)))
  }
  const pipelinedUs = ((performance.now() - t) * 1000) / FRAMES
  return { sequentialUs: Math.round(sequentialUs * 100) / 100, pipelinedUs: Math.round(pipelinedUs * 100) / 100 }
}

/** Bytes on the wire per single-character edit, and edit-to-visible time, between two linked rooms (no rounds run). */
async function edits(mode: Mode): Promise<{ bytesPerEdit: number; framesPerEdit: number; latencyMs: ReturnType<typeof stats> }> {
  const [a, b] = pair(mode, { roundMs: 600_000, presence: false })
  await until(() => a.neighbours().length === 1 && b.neighbours().length === 1 && a.synced && b.synced)
  // Let the first exchange settle (no rounds run, so nothing else follows it).
  a.doc.getText('t').insert(0, 'x')
  await until(() => b.doc.getText('t').length === 1)
  const before = a.stats().bytesSent + b.stats().bytesSent
  const framesBefore = a.stats().framesSent + b.stats().framesSent
  const latency: number[] = []
  for (let i = 0; i < EDITS; i++) {
    const t = performance.now()
    a.doc.getText('t').insert(i % 7, 'y')
    await until(() => b.doc.getText('t').length === i + 2)
    latency.push(performance.now() - t)
  }
  const bytes = a.stats().bytesSent + b.stats().bytesSent - before
  const frames = a.stats().framesSent + b.stats().framesSent - framesBefore
  await Promise.all([a.close(), b.close()])
  return { bytesPerEdit: Math.round((bytes / EDITS) * 10) / 10, framesPerEdit: Math.round((frames / EDITS) * 100) / 100, latencyMs: stats(latency) }
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: here, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return 'unknown'
  }
}

const result: Record<string, unknown> = {
  scenario: 'session',
  description: 'cost of a room secret at the session level: handshake, per-frame seal + open, bytes and latency per edit (memory network, real WebCrypto)',
  date: new Date().toISOString(),
  quick,
  versions: { node: process.version, platform: `${platform()} ${release()} ${arch()}`, cpus: cpus().length, cpuModel: cpus()[0]?.model.trim() ?? 'unknown', gitCommit: gitCommit() },
  parameters: { pairs: PAIRS, frames: FRAMES, edits: EDITS },
}
const handshake: Record<string, unknown> = {}
for (const mode of ['open', 'secret'] as const) {
  const { setupMs, handshakeMs } = await handshakes(mode)
  handshake[mode] = { setupMs: stats(setupMs), handshakeMs: stats(handshakeMs) }
}
result['handshake'] = handshake
result['sealOpen'] = { '40B': await sealOpen(40), '1KB': await sealOpen(1024) }
const perEdit: Record<string, unknown> = {}
// Per-frame overhead of sealing: type tag (1) + varUint(sequence) + AES-GCM tag (16).
perEdit['sealOverheadBytes'] = { 'sequence < 128': 18, 'sequence < 16,384': 19, 'sequence < 2,097,152': 20 }
for (const mode of ['open', 'open-53bit', 'secret'] as const) perEdit[mode] = await edits(mode)
result['perEdit'] = perEdit
await mkdir(outDir, { recursive: true })
await writeFile(join(outDir, 'session.json'), `${JSON.stringify(result, null, 2)}\n`)
console.info(JSON.stringify(result, null, 2))
