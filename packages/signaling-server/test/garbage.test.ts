/**
 * Seeded fuzzing: thousands of random, mutated and hostile frames from several clients at
 * once. The server must never crash or log an internal error, must only ever answer with
 * well-formed messages, and must still serve a new client afterwards.
 * Replay a failure with FUZZ_SEED=<seed>.
 */
import { describe, expect, it } from 'vitest'
import { ERROR_CODES, type SignalingServer } from '../src/index.js'
import { TestClient, joinRoom, seeded, startServer, testRoom, type Received } from './helpers.js'

const SEED = Number(process.env['FUZZ_SEED'] ?? 0x5eed)
const CLIENTS = 4
const MESSAGES_PER_CLIENT = 650
const MAX_BYTES = 4096

type Rng = () => number
const int = (r: Rng, n: number): number => Math.floor(r() * n)
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[int(r, xs.length)] as T

const PEERS = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5']
const ROOMS = ['t0', 't1', 't2'].map(testRoom)
const TOPICS = [...ROOMS.map((r) => r.topic), 't0', 't1']
const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf']

function randomString(r: Rng, max: number): string {
  const alphabets = ['abcXYZ019_-', '{}[]":,\\ \n\t', '\u0000\u001f\u2028\u2029\ud83d\ude00\u00e9\uffff']
  const alphabet = pick(r, alphabets)
  let s = ''
  for (let i = int(r, max); i > 0; i--) s += alphabet[int(r, alphabet.length)]
  return s
}

function randomJson(r: Rng, depth = 0): unknown {
  switch (int(r, depth > 3 ? 6 : 9)) {
    case 0: return null
    case 1: return r() < 0.5
    case 2: return pick(r, [0, -1, 1.5, 1e308, -0, Number.MAX_SAFE_INTEGER + 2])
    case 3: return randomString(r, 20)
    case 4: return pick(r, PEERS)
    case 5: return 'x'.repeat(pick(r, [0, 64, 65, 128, 129, 5000]))
    case 6: return Array.from({ length: int(r, 4) }, () => randomJson(r, depth + 1))
    case 7: return Object.fromEntries(Array.from({ length: int(r, 4) }, () => [pick(r, [...HOSTILE_KEYS, 'type', 'data', randomString(r, 5)]), randomJson(r, depth + 1)]))
    default: return pick(r, TOPICS)
  }
}

function validMessage(r: Rng): Record<string, unknown> {
  switch (int(r, 5)) {
    case 0: return { type: 'hello', peerId: pick(r, PEERS) }
    case 1: {
      // Without a proof, with the right one, or with another room's (bad-proof).
      const room = pick(r, ROOMS)
      const roll = int(r, 3)
      return roll === 0 ? { type: 'join', topic: pick(r, TOPICS) } : { type: 'join', topic: room.topic, proof: roll === 1 ? room.proof : pick(r, ROOMS).proof }
    }
    case 2: return { type: 'leave', topic: pick(r, TOPICS) }
    case 3: return { type: 'signal', topic: pick(r, TOPICS), to: pick(r, PEERS), data: randomJson(r) }
    default: return { type: 'ping', ref: int(r, 100) }
  }
}

/** One frame: text or binary, valid, mutated or plain garbage. `fatal` frames make the server close the socket. */
function randomFrame(r: Rng): { data: string | Buffer; binary: boolean; fatal?: true } {
  const roll = int(r, 12)
  if (roll === 0) return { data: Buffer.from(Array.from({ length: int(r, 200) }, () => int(r, 256))), binary: true }
  if (roll === 1 && r() < 0.15) return { data: Buffer.from([0xff, 0xfe, int(r, 256)]), binary: false, fatal: true } // invalid UTF-8: 1007
  if (roll === 2) return { data: randomString(r, 300), binary: false }
  if (roll === 3 && r() < 0.2) return { data: 'x'.repeat(4 * MAX_BYTES + 1), binary: false, fatal: true } // 1009
  if (roll === 3) return { data: 'x'.repeat(pick(r, [MAX_BYTES + 1, 3 * MAX_BYTES, 4 * MAX_BYTES])), binary: false }
  if (roll === 4) return { data: '['.repeat(2000 + int(r, 3000)), binary: false }
  if (roll === 5) return { data: `{"type":"signal","topic":"t0","to":"p1","data":${'['.repeat(40)}${']'.repeat(40)}}`, binary: false }
  const msg = validMessage(r)
  if (roll >= 9) return { data: JSON.stringify(msg), binary: false } // leave some valid traffic
  const keys = Object.keys(msg)
  const mutations = 1 + int(r, 3)
  for (let i = 0; i < mutations; i++) {
    const m = int(r, 5)
    if (m === 0) delete msg[pick(r, keys)]
    else if (m === 1) msg[pick(r, keys)] = randomJson(r)
    else if (m === 2) msg[pick(r, HOSTILE_KEYS)] = { polluted: true }
    else if (m === 3) msg['type'] = pick(r, ['HELLO', 'joins', '', 'error', 'welcome', 'pong', 'peers', 7])
    else msg['ref'] = randomJson(r)
  }
  let text = JSON.stringify(msg)
  if (r() < 0.3) text = text.slice(0, int(r, text.length)) // truncated JSON
  // JSON.stringify drops a literal __proto__ key set by assignment; inject one as text too.
  if (r() < 0.1) text = text.replace('{', '{"__proto__":{"polluted":1},')
  return { data: text, binary: false }
}

function checkWellFormed(m: Received, seed: number): void {
  const known = ['welcome', 'peers', 'joined', 'signal', 'error', 'pong']
  expect(known, `seed ${seed}: unexpected ${JSON.stringify(m).slice(0, 200)}`).toContain(m.type)
  if (m.type === 'error') expect(ERROR_CODES, `seed ${seed}`).toContain(m.code)
}

/** Sends MESSAGES_PER_CLIENT frames; returns how many were sent and how many the server must have read. */
async function fuzzClient(server: SignalingServer, r: Rng, closeCodes: number[]): Promise<{ sent: number; delivered: number }> {
  let c = await TestClient.connect(server.url)
  let sent = 0
  let delivered = 0
  const drain = (client: TestClient): void => {
    for (const m of client.queue.splice(0)) checkWellFormed(m, SEED)
  }
  for (let i = 0; i < MESSAGES_PER_CLIENT; i++) {
    const { data, binary, fatal } = randomFrame(r)
    c.sendRaw(data, binary)
    sent++
    if (fatal) {
      closeCodes.push((await c.closed).code)
      drain(c)
      c = await TestClient.connect(server.url)
      continue
    }
    delivered++
    if (i % 25 === 24) {
      await c.barrier()
      drain(c)
    }
  }
  await c.barrier()
  drain(c)
  c.ws.close()
  return { sent, delivered }
}

describe('garbage input', () => {
  it(`never crashes the server (seed ${SEED})`, { timeout: 60_000 }, async () => {
    const { server, logs } = await startServer({
      logLevel: 'warn',
      // Every client comes from 127.0.0.1: lift the per-source limits too, so only garbage is tested.
      limits: {
        maxMessageBytes: MAX_BYTES,
        messagesPerSecond: 1e6,
        messageBurst: 1e6,
        messagesPerSecondPerSource: 1e6,
        messageBurstPerSource: 1e6,
        joinsPerSecondPerSource: 1e6,
        joinBurstPerSource: 1e6,
        connectionBurstPerSource: 1e6,
      },
    })
    const closeCodes: number[] = []
    const results = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => fuzzClient(server, seeded(SEED + i), closeCodes)))
    const total = results.reduce((n, x) => n + x.sent, 0)
    const delivered = results.reduce((n, x) => n + x.delivered, 0)
    expect(total).toBeGreaterThanOrEqual(2_000)
    expect(closeCodes.length, `seed ${SEED}: some fatal frames were sent`).toBeGreaterThan(0)
    // Only protocol-level closes: invalid UTF-8 (1007) and far too large (1009).
    for (const code of closeCodes) expect([1007, 1009], `seed ${SEED}`).toContain(code)
    expect(logs.filter((l) => l.level === 'error'), `seed ${SEED}`).toEqual([])
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
    expect(server.stats().messagesIn).toBeGreaterThanOrEqual(delivered)

    // Still serving: a fresh pair of clients can meet and signal.
    const a = await TestClient.peer(server.url, 'after-a')
    const b = await TestClient.peer(server.url, 'after-b')
    const fresh = testRoom('fresh')
    a.send(joinRoom(fresh))
    await a.next((m) => m.type === 'peers')
    b.send(joinRoom(fresh))
    expect(await b.next((m) => m.type === 'peers')).toEqual({ type: 'peers', topic: fresh.topic, peers: ['after-a'] })
    b.send({ type: 'signal', topic: fresh.topic, to: 'after-a', data: { ok: true } })
    expect(await a.next((m) => m.type === 'signal')).toEqual({ type: 'signal', topic: fresh.topic, from: 'after-b', data: { ok: true } })
    const health = await fetch(`http://127.0.0.1:${server.port}/health`, { signal: AbortSignal.timeout(3_000) })
    expect(health.status).toBe(200)
  })
})
