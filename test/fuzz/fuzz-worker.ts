/**
 * One fuzz worker of the fuzz tier (run as a child process with a memory cap by
 * fuzz-tier.test.ts and run.ts): a live room on the memory network and a hostile peer
 * that sends it `--frames` frames, seeded by `--seed`:
 * - random bytes, and a valid frame header followed by random bytes;
 * - byte-level mutations of valid frames of every type (test/support/frame-mutations.ts);
 * - structure-aware frames: every frame type with random field values, correct checksums,
 *   and payloads that are Yjs updates the room holds, mutated Yjs updates, random state
 *   vectors and awareness updates with random states.
 *
 * The oracle: nothing throws out of the room (no uncaught exception or unhandled
 * rejection); every error the room reports is a typed Gossamer error; a frame the room
 * reported as invalid never changed its document; the room answers only frames that decode;
 * and at the end a well-behaved peer joins and converges with it. The process prints one
 * JSON line (`{ ok, seed, frames, ... }`) and exits 1 on any violation, naming the seed.
 *
 * Usage: `node --max-old-space-size=384 --import tsx --conditions=source test/fuzz/fuzz-worker.ts --seed 1 --frames 50000`
 */
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import { createRoom, encodeFrame, FrameType, hash53, memoryNetwork, pick, randomInt, seededRandom, type Frame, type RandomSource } from '@gossamer/core'
import { docDigest, HostilePeer, NO_SCORING, VirtualClock } from '@gossamer/testing'
import { MUTATION_NAMES, mutate, randomBytes } from '../support/frame-mutations.js'

const ROOM = 'fuzz-tier'
const TYPED = new Set(['ProtocolError', 'UpdateRejectedError', 'LimitExceededError', 'PendingDroppedError', 'VersionMismatchError', 'TransportError'])
const REJECTIONS = new Set(['ProtocolError', 'UpdateRejectedError', 'LimitExceededError'])
const FRAME_TYPES = Object.values(FrameType) as number[]
/** Virtual time moves one round every this many frames, so the room's timers run too. */
const FRAMES_PER_ROUND = 400
const ROUND_MS = 1000

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`)
  return at >= 0 ? Number(process.argv[at + 1]) : fallback
}

const seed = arg('seed', 1) >>> 0
const frames = arg('frames', 10_000)
const problems: string[] = []
const problem = (text: string): void => {
  if (problems.length < 20) problems.push(text)
}
process.on('uncaughtException', (error) => problem(`uncaught: ${error.stack ?? String(error)}`))
process.on('unhandledRejection', (error) => problem(`unhandled rejection: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`))

/** Updates the target holds (known) and updates of others (fresh), to mutate. */
function corpus(): { doc: Y.Doc; updates: Uint8Array[]; stateVectors: Uint8Array[] } {
  const author = new Y.Doc()
  author.clientID = 1001
  const updates: Uint8Array[] = []
  author.on('update', (u: Uint8Array) => updates.push(u))
  author.getText('text').insert(0, 'the quick brown fox jumps over the lazy dog')
  author.getText('text').format(0, 3, { bold: true })
  author.getText('text').insertEmbed(5, { image: 'x.png' })
  author.getMap('map').set('title', 'fuzz')
  const nested = new Y.Map<unknown>()
  author.getMap('map').set('nested', nested)
  nested.set('list', Y.Array.from([1, 2, 3]))
  author.getArray('array').insert(0, ['a', { b: 1 }, [2, 3], null, true, new Uint8Array([1, 2])])
  author.getArray('array').delete(1, 1)
  author.getXmlFragment('xml').insert(0, [new Y.XmlElement('p'), new Y.XmlText('hi')])
  const doc = new Y.Doc()
  doc.clientID = 2002
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(author))
  const fork = new Y.Doc()
  fork.clientID = 3003
  Y.applyUpdate(fork, Y.encodeStateAsUpdate(doc))
  fork.on('update', (u: Uint8Array) => updates.push(u))
  fork.getText('text').insert(3, ' FRESH')
  fork.getMap('map').set('fresh', 42)
  updates.push(Y.encodeStateAsUpdate(fork), Y.encodeStateAsUpdate(fork, Y.encodeStateVector(doc)))
  return { doc, updates, stateVectors: [Y.encodeStateVector(doc), Y.encodeStateVector(fork), Y.encodeStateVector(new Y.Doc())] }
}

function randomAwareness(random: RandomSource): Uint8Array {
  const encoder = encoding.createEncoder()
  const count = randomInt(random, 4)
  encoding.writeVarUint(encoder, count)
  for (let i = 0; i < count; i++) {
    encoding.writeVarUint(encoder, randomInt(random, 1 << 20))
    encoding.writeVarUint(encoder, randomInt(random, 5))
    const state = random.next() < 0.2 ? 'null' : random.next() < 0.8 ? JSON.stringify({ name: 'x'.repeat(randomInt(random, 30)), n: randomInt(random, 9) }) : new TextDecoder().decode(randomBytes(random, randomInt(random, 20)))
    encoding.writeVarString(encoder, state)
  }
  return encoding.toUint8Array(encoder)
}

/** A structure-aware frame of a random type with random fields and a correct checksum. */
function structured(random: RandomSource, updates: Uint8Array[], stateVectors: Uint8Array[]): Frame {
  const source = pick(random, updates) as Uint8Array
  const update = random.next() < 0.3 ? source : mutate(pick(random, MUTATION_NAMES.filter((m) => m !== 'swapTypeTag')) as string, random, source, pick(random, updates) as Uint8Array)
  const peers = Array.from({ length: randomInt(random, 3) }, (_, i) => `p${i}-${randomInt(random, 1000)}`)
  const origins = [...new Set(Array.from({ length: 1 + randomInt(random, 3) }, () => randomInt(random, 2 ** 32)))]
  switch (pick(random, FRAME_TYPES)) {
    case FrameType.Delta: return { type: FrameType.Delta, room: '', id: hash53(update), hop: randomInt(random, 10), origin: randomInt(random, 2 ** 32), update }
    case FrameType.SyncReply: return { type: FrameType.SyncReply, room: '', checksum: hash53(update), update }
    case FrameType.SyncPart: return { type: FrameType.SyncPart, room: '', checksum: hash53(update), part: randomInt(random, 5), last: random.next() < 0.5, update }
    case FrameType.SyncRequest: {
      const sv = pick(random, stateVectors) as Uint8Array
      return { type: FrameType.SyncRequest, room: '', stateVector: random.next() < 0.5 ? sv : mutate('bitFlips', random, sv, sv), reciprocate: random.next() < 0.5 }
    }
    case FrameType.Digest: return { type: FrameType.Digest, room: '', digest: randomInt(random, 2 ** 32) }
    case FrameType.DigestMatch: return { type: FrameType.DigestMatch, room: '', digest: randomInt(random, 2 ** 32) }
    case FrameType.Peers: return { type: FrameType.Peers, room: '', peers: [...new Set(peers)], reply: random.next() < 0.5 }
    case FrameType.Ping: return { type: FrameType.Ping, room: '', nonce: randomInt(random, 2 ** 32) }
    case FrameType.Pong: return { type: FrameType.Pong, room: '', nonce: randomInt(random, 2 ** 32) }
    case FrameType.Awareness: return { type: FrameType.Awareness, room: '', update: randomAwareness(random) }
    case FrameType.Prune: return { type: FrameType.Prune, room: '', origins }
    case FrameType.Graft: return { type: FrameType.Graft, room: '', origins }
    case FrameType.Relay: return { type: FrameType.Relay, room: '', id: randomInt(random, 2 ** 32), origin: 'hostile', target: pick(random, ['target', 'nobody', 'hostile']) as string, ttl: randomInt(random, 4), payload: randomBytes(random, randomInt(random, 40)) }
    default: return { type: FrameType.Ping, room: '', nonce: 1 }
  }
}

async function main(): Promise<void> {
  const started = Date.now()
  const random = seededRandom(seed)
  const clock = new VirtualClock()
  const network = memoryNetwork({ clock, random: seededRandom(seed ^ 0x9e3779b9), latency: { min: 0, max: 0 } })
  const { doc: seedDoc, updates, stateVectors } = corpus()
  const doc = new Y.Doc()
  doc.clientID = 4004
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(seedDoc))
  const target = createRoom({ name: ROOM, doc, transports: [network.transport()], clock, random: seededRandom(seed + 1), peerId: 'target', roundMs: ROUND_MS, budgets: NO_SCORING })
  const errors: Error[] = []
  target.on('error', ({ error }) => {
    errors.push(error)
    if (!TYPED.has(error.name)) problem(`untyped error ${error.name}: ${error.message}`)
  })
  let changed = false
  doc.on('update', () => (changed = true))
  const hostile = new HostilePeer({ transport: network.transport(), peerId: 'hostile', room: ROOM, clock })
  const valid = Array.from({ length: 4 * FRAME_TYPES.length }, () => encodeFrame(structured(random, updates, stateVectors)))
  const counts = { random: 0, header: 0, mutated: 0, structured: 0, rejected: 0, changed: 0, rejoins: 0 }
  for (let i = 0; i < frames && problems.length === 0; i++) {
    if (!hostile.open) {
      counts.rejoins++
      let done: boolean | undefined
      void hostile.join('target').then((ok) => (done = ok))
      await clock.runUntil(() => done !== undefined, clock.now() + 10_000)
      if (done !== true) problem(`the room no longer welcomes a correct Hello (frame ${i})`)
    }
    let bytes: Uint8Array
    const roll = random.next()
    if (roll < 0.1) {
      counts.random++
      bytes = randomBytes(random, randomInt(random, 64))
    } else if (roll < 0.2) {
      counts.header++
      bytes = Uint8Array.of(pick(random, FRAME_TYPES) as number, 0, ...randomBytes(random, randomInt(random, 48)))
    } else if (roll < 0.55) {
      counts.mutated++
      bytes = mutate(pick(random, MUTATION_NAMES) as string, random, pick(random, valid) as Uint8Array, pick(random, valid) as Uint8Array)
    } else {
      counts.structured++
      bytes = encodeFrame(structured(random, updates, stateVectors))
    }
    const before = errors.length
    changed = false
    hostile.send(bytes)
    await clock.advance(0)
    const rejected = errors.slice(before).some((e) => REJECTIONS.has(e.name))
    if (rejected) counts.rejected++
    if (changed) counts.changed++
    if (rejected && changed) problem(`frame ${i} was rejected but changed the document: ${Buffer.from(bytes).toString('hex').slice(0, 400)} (${errors.slice(before).map((e) => `${e.name}: ${e.message}`).join('; ')})`)
    if (i % FRAMES_PER_ROUND === FRAMES_PER_ROUND - 1) await clock.advance(ROUND_MS)
  }
  // Convergence: a well-behaved peer joins and ends with the same document.
  await hostile.stop()
  const goodDoc = new Y.Doc()
  const good = createRoom({ name: ROOM, doc: goodDoc, transports: [network.transport()], clock, random: seededRandom(seed + 2), peerId: 'good', roundMs: ROUND_MS })
  goodDoc.getText('good').insert(0, 'from the good peer')
  const converged = await clock.runUntil(() => docDigest(goodDoc) === docDigest(doc), clock.now() + 60 * ROUND_MS)
  if (!converged) problem('a well-behaved peer did not converge with the fuzzed room')
  if (hostile.stats.framesReceived === 0) problem('the room never answered')
  await Promise.all([good.close(), target.close()])
  const summary = { ok: problems.length === 0, seed, frames, ms: Date.now() - started, ...counts, errors: errors.length, heapMB: Math.round(process.memoryUsage().heapUsed / 2 ** 20), problems }
  console.log(JSON.stringify(summary))
  if (problems.length > 0) {
    console.error(`fuzz worker failed: replay with --seed ${seed} --frames ${frames}`)
    process.exitCode = 1
  }
}

void main().catch((error: unknown) => {
  console.log(JSON.stringify({ ok: false, seed, frames, problems: [...problems, `the worker threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`] }))
  console.error(`fuzz worker failed: replay with --seed ${seed} --frames ${frames}`)
  process.exitCode = 1
})
