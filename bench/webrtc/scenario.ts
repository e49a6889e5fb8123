/**
 * One run of the WebRTC bench: one system at one N, all peers in this process over real
 * `@roamhq/wrtc`, against that system's own signaling server (a child process).
 *
 *   tsx --conditions=source bench/webrtc/scenario.ts --system gossamer --peers 8 [--edits 200]
 *     [--seed 1] [--idle-ms 20000] [--min-gap-ms 20] [--max-gap-ms 50] [--connect-timeout-ms 20000]
 *
 * Started by run.ts (forked, results over IPC); run alone, it prints the result as one JSON
 * line. Must run inside a network namespace (scripts/with-netns.sh).
 */
import { loadavg } from 'node:os'
import * as Y from 'yjs'
import { quantile, median, LatencyTracker, editSchedule } from './latency.js'
import { createSystem, isSystemName, type BenchPeer } from './systems.js'
import { ROOM_NAME, type ScenarioMessage, type ScenarioOptions, type ScenarioResult } from './types.js'
import { framesBetween, roomTotals, traffic } from './windows.js'
import { WireMeter } from './wire.js'

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))
const now = (): number => performance.now()
const COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#56B4E9', '#E69F00', '#000000', '#999999']

function parseOptions(argv: string[]): ScenarioOptions {
  const options: ScenarioOptions = {
    system: 'gossamer',
    peers: 4,
    edits: 200,
    seed: 1,
    minGapMs: 20,
    maxGapMs: 50,
    idleMs: 20_000,
    connectTimeoutMs: 20_000,
  }
  const numeric: Record<string, keyof ScenarioOptions> = {
    '--peers': 'peers',
    '--edits': 'edits',
    '--seed': 'seed',
    '--min-gap-ms': 'minGapMs',
    '--max-gap-ms': 'maxGapMs',
    '--idle-ms': 'idleMs',
    '--connect-timeout-ms': 'connectTimeoutMs',
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') continue
    const value = argv[++i]
    if (value === undefined) throw new Error(`${arg} needs a value`)
    if (arg === '--system') {
      if (!isSystemName(value)) throw new Error(`unknown system ${value}`)
      options.system = value
    } else if (arg in numeric) {
      const n = Number(value)
      if (!Number.isFinite(n) || n < 0) throw new Error(`${arg} must be a number ≥ 0`)
      ;(options as unknown as Record<string, number>)[numeric[arg]!] = n
    } else throw new Error(`unknown argument ${arg}`)
  }
  if (options.peers < 2) throw new Error('--peers must be ≥ 2')
  return options
}

function send(message: ScenarioMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) {
      if (message.type === 'result') process.stdout.write(`${JSON.stringify(message.result)}\n`)
      resolve()
      return
    }
    process.send(message, () => resolve())
  })
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2))
  const { peers: n } = options
  const wallStart = now()
  const loadStart = loadavg()[0] ?? 0
  const cpuStart = process.cpuUsage()
  const errors: string[] = []
  const note = (message: string): void => {
    if (errors.length < 20) errors.push(message)
  }
  process.on('unhandledRejection', (reason) => note(`unhandled rejection: ${String(reason)}`))

  const system = createSystem(options.system)
  const meter = new WireMeter(n, system.classify)
  await system.prepare?.(n)
  const server = await system.startServer()
  await send({ type: 'pid', role: 'signaling', pid: server.pid })

  // Each run has its own signaling server, so the name need not be unique. Gossamer frames
  // carry the room name, so its length counts: the README's example name, for both systems.
  const roomName = ROOM_NAME
  const peers: BenchPeer[] = []
  const peakPerPeer = new Array<number>(n).fill(0)
  let samples = 0
  const sample = (): void => {
    samples++
    peers.forEach((p, i) => {
      const count = Math.max(p.connections(), meter.livePeerConnections(i))
      if (count > peakPerPeer[i]!) peakPerPeer[i] = count
    })
  }

  // The tracker listens to each doc before the system does, so an edit counts as visible
  // when the doc has it, not after the system has also forwarded it.
  const docs = Array.from({ length: n }, () => new Y.Doc())
  const tracker = new LatencyTracker(docs)

  // ---- connect ---------------------------------------------------------------------
  await send({ type: 'phase', phase: 'connect' })
  const tStart = now()
  for (let i = 0; i < n; i++) {
    const peer = await system.createPeer(i, docs[i]!, roomName, server.url, meter.wrtcFor(i), note)
    peer.awareness.setLocalStateField('user', { name: `peer ${i}`, color: COLORS[i % COLORS.length] })
    peers.push(peer)
  }
  const sampler = setInterval(sample, 5)
  let connectMs: number | null = null
  let usableMs: number | null = null
  let syncedMs: number | null = null
  let connectionsAtConnect: number[] = []
  while (now() - tStart < options.connectTimeoutMs) {
    if (usableMs === null && peers.every((p) => p.openConnections() > 0 && p.synced())) usableMs = now() - tStart
    if (connectMs === null && peers.every((p) => p.connected(n))) {
      connectMs = now() - tStart
      connectionsAtConnect = peers.map((p) => p.openConnections())
    }
    if (syncedMs === null && connectMs !== null && peers.every((p) => p.synced())) syncedMs = now() - tStart
    if (connectMs !== null && syncedMs !== null) break
    await sleep(2)
  }
  if (connectMs === null) {
    connectionsAtConnect = peers.map((p) => p.openConnections())
    note(`not connected after ${options.connectTimeoutMs} ms: open connections ${connectionsAtConnect.join(',')}`)
  }
  await sleep(1000) // presence greetings and first anti-entropy exchanges settle

  // ---- edits -------------------------------------------------------------------------
  await send({ type: 'phase', phase: 'edits' })
  const schedule = editSchedule(options.seed, n, options.edits, options.minGapMs, options.maxGapMs)
  const frameSizes: number[] = []
  const updateSizes: number[] = []
  const originSends: number[] = []
  const editBefore = meter.snapshot()
  const roomEditBefore = roomTotals(peers)
  // A room with a secret signs an edit before sending it, so its origin sends nothing while
  // making the edit: its capture stays open until the next edit, and the first payload the
  // origin sent after the edit counts as the edit's frame.
  const closeCapture = (): void => {
    const first = meter.capture?.sizes[0]
    if (first !== undefined) frameSizes.push(first)
    meter.capture = undefined
  }
  const tEdits = now()
  let next = tEdits
  for (const edit of schedule) {
    next += edit.gapMs
    await sleep(next - now())
    closeCapture()
    const doc = docs[edit.peer]!
    const text = doc.getText('t')
    const at = Math.floor(edit.position * (text.length + 1))
    doc.once('update', (update: Uint8Array) => updateSizes.push(update.byteLength))
    tracker.beforeEdit(edit.peer)
    const capture = { peer: edit.peer, sizes: [] as number[] }
    meter.capture = capture
    text.insert(at, edit.char)
    originSends.push(capture.sizes.length)
    const size = median(capture.sizes)
    if (size !== null) {
      frameSizes.push(size)
      meter.capture = undefined
    }
  }
  const allVisible = await tracker.settled(15_000)
  closeCapture()
  if (!allVisible) note(`${tracker.outstanding} (edit, peer) pairs not visible 15 s after the last edit`)
  await sleep(1000) // late forwards, duplicates and announcements still count against the edits
  const editMs = now() - tEdits
  const editTraffic = traffic(meter, editBefore, editMs)
  const roomEditAfter = roomTotals(peers)
  tracker.dispose()

  // ---- idle --------------------------------------------------------------------------
  await send({ type: 'phase', phase: 'idle' })
  await sleep(2000)
  const idleBefore = meter.snapshot()
  const roomIdleBefore = roomTotals(peers)
  const tIdle = now()
  await sleep(options.idleMs)
  const idleMs = now() - tIdle
  const idleTraffic = traffic(meter, idleBefore, idleMs)
  const roomIdleAfter = roomTotals(peers)
  clearInterval(sampler)
  sample()

  const texts = docs.map((d) => d.getText('t').toString())
  const converged = texts.every((t) => t === texts[0])
  const reported = peers.map((p) => p.peakPeerConnections?.())
  const isGossamer = system.family === 'gossamer'

  // ---- stop --------------------------------------------------------------------------
  await send({ type: 'phase', phase: 'stop' })
  await Promise.race([Promise.all(peers.map((p) => p.close().catch((e: unknown) => note(`close: ${String(e)}`)))), sleep(5000)])
  await server.stop()

  const samplesMs = tracker.samples
  const mean = samplesMs.length === 0 ? null : samplesMs.reduce((a, b) => a + b, 0) / samplesMs.length
  const idleRates = idleTraffic.bytesPerPeer.map((b) => (b * 1000) / idleMs)
  const idleBytesPerMs = idleTraffic.bytes / idleMs
  const idleMessagesPerMs = idleTraffic.messages / idleMs
  const cpu = process.cpuUsage(cpuStart)
  const result: ScenarioResult = {
    system: options.system,
    peers: n,
    connectMs,
    usableMs,
    syncedMs,
    connectionsAtConnect,
    latency: {
      p50: quantile(samplesMs, 0.5),
      p99: quantile(samplesMs, 0.99),
      mean,
      max: quantile(samplesMs, 1),
      samples: samplesMs.length,
      missing: tracker.outstanding,
    },
    frameBytes: median(frameSizes),
    updateBytes: median(updateSizes),
    originSendsPerEdit: median(originSends),
    edits: {
      ...editTraffic,
      count: schedule.length,
      bytesPerEdit: editTraffic.bytes / schedule.length,
      messagesPerEdit: editTraffic.messages / schedule.length,
      bytesPerEditNetOfIdle: (editTraffic.bytes - idleBytesPerMs * editMs) / schedule.length,
      messagesPerEditNetOfIdle: (editTraffic.messages - idleMessagesPerMs * editMs) / schedule.length,
    },
    idle: {
      ...idleTraffic,
      bytesPerSecondPerPeer: (idleTraffic.bytes * 1000) / idleMs / n,
      maxBytesPerSecondPerPeer: Math.max(...idleRates),
      messagesPerSecondPerPeer: (idleTraffic.messages * 1000) / idleMs / n,
    },
    connections: {
      peakPerPeer,
      peak: Math.max(...peakPerPeer),
      createdPerPeer: [...meter.created],
      reportedPeakPerPeer: isGossamer ? reported.map((r) => r ?? 0) : null,
      samples,
    },
    roomStats: isGossamer
      ? {
          editBytesSent: roomEditAfter.bytes - roomEditBefore.bytes,
          editFramesSent: roomEditAfter.frames - roomEditBefore.frames,
          idleBytesSent: roomIdleAfter.bytes - roomIdleBefore.bytes,
          idleFramesSent: roomIdleAfter.frames - roomIdleBefore.frames,
          editFramesByType: framesBetween(roomEditBefore, roomEditAfter),
          idleFramesByType: framesBetween(roomIdleBefore, roomIdleAfter),
        }
      : null,
    converged,
    textLength: texts[0]?.length ?? 0,
    unattributedBytes: meter.unattributedBytes,
    broadcastChannelPublishes:
      (globalThis as { __gossamerBenchBroadcastChannel?: { publish: number } }).__gossamerBenchBroadcastChannel?.publish ?? 0,
    errors,
    cpuMs: (cpu.user + cpu.system) / 1000,
    loadAverage: [loadStart, loadavg()[0] ?? 0],
    wallMs: now() - wallStart,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  }
  await send({ type: 'result', result })
}

main().then(
  // @roamhq/wrtc keeps native threads for a few seconds after the last close: do not wait for them.
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`scenario failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exit(1)
  },
)
