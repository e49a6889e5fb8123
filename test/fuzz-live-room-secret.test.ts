/**
 * Fuzzes a LIVE room with a secret from the inside: an authenticated insider (it knows the
 * secret, completes the authenticated handshake and the join handshake inside its sealed
 * session; test/support/sealed-peer.ts) sends thousands of frames to the room while the
 * room and an honest peer keep editing. Most are sealed correctly, so they reach the room's
 * frame decoder and its layers: mutations (bit flips, truncation, splicing, type-tag swaps…)
 * of the genuine frames the room sent the insider (signed deltas, sync replies, digests,
 * signed presence…), plain replays of them, a few built frames and random bytes. Some go
 * outside the seal (mutated handshake or sealed bytes), which ends the session; the insider
 * then shakes hands again.
 *
 * The oracle:
 * - nothing throws out of a room (no uncaught exception or unhandled rejection), the room
 *   stays open, and every `error` event carries a typed Gossamer error;
 * - no rejected frame changes a document: every update either honest document applies holds
 *   only structs and deletions of the two honest clientIDs (the insider can sign nothing
 *   under their keys, and it never sends content signed under its own);
 * - the honest peer never reports a trust error (it only hears honest content);
 * - afterwards the two honest replicas converge and hold every honest edit.
 *
 * Replay: `GOSSAMER_FUZZ_SEED=<seed> pnpm vitest run test/fuzz-live-room-secret.test.ts`;
 * `GOSSAMER_FUZZ_SECRET_FRAMES=<n>` changes the number of frames (default 2,000).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  createRoom,
  deriveRoomKeys,
  encodeFrame,
  FrameType,
  GossamerError,
  memoryNetwork,
  pick,
  randomInt,
  seededRandom,
  type Frame,
  type RandomSource,
  type Room,
} from '@gossamer/core'
import { docDigest, NO_SCORING, VirtualClock } from '@gossamer/testing'
import { MUTATION_NAMES, mutate, randomBytes } from './support/frame-mutations.js'
import { SealedPeer } from './support/sealed-peer.js'

const SEED = Number(process.env.GOSSAMER_FUZZ_SEED ?? 0x60554d) ^ 0x5ec7
const FRAMES = Number(process.env.GOSSAMER_FUZZ_SECRET_FRAMES ?? 2_000)
const ROOM = 'fuzz-secret-room'
const ROUND_MS = 1000
const FRAMES_PER_ROUND = 250
/** Every this many frames an honest peer edits. */
const FRAMES_PER_EDIT = 100
const MAX_PROBLEMS = 20
/** Errors that would mean an honest peer's write was refused: the honest peer never reports them. */
const TRUST_ERRORS = new Set(['AuthorshipError', 'UnauthorizedWriteError', 'SignatureError', 'EquivocationError'])

const replay = `seed ${SEED} (replay: GOSSAMER_FUZZ_SEED=${SEED ^ 0x5ec7} pnpm vitest run test/fuzz-live-room-secret.test.ts)`

const uncaught: string[] = []
const onUncaught = (error: unknown): void => {
  uncaught.push(error instanceof Error ? (error.stack ?? error.message) : String(error))
}
beforeAll(() => {
  process.on('uncaughtException', onUncaught)
  process.on('unhandledRejection', onUncaught)
})
afterAll(() => {
  process.off('uncaughtException', onUncaught)
  process.off('unhandledRejection', onUncaught)
})

/** The clientIDs an update touches: its structs' and its deletions'. */
function clientsOf(update: Uint8Array): number[] {
  const { structs, ds } = Y.decodeUpdate(update)
  return [...new Set([...structs.map((s) => s.id.client), ...ds.clients.keys()])]
}

/** A few frames built from scratch (the rest come from what the room sent). */
function builtFrame(random: RandomSource, room: Room): Frame {
  switch (randomInt(random, 5)) {
    case 0: return { type: FrameType.Ping, room: ROOM, nonce: randomInt(random, 2 ** 32) }
    case 1: return { type: FrameType.Digest, room: ROOM, digest: random.next() < 0.5 ? docDigest(room.doc) : randomInt(random, 2 ** 32) }
    case 2: return { type: FrameType.SyncRequest, room: ROOM, stateVector: Y.encodeStateVector(random.next() < 0.5 ? room.doc : new Y.Doc()), reciprocate: random.next() < 0.5 }
    case 3: return { type: FrameType.Peers, room: ROOM, peers: [room.peerId], reply: random.next() < 0.5 }
    default: return { type: FrameType.Prune, room: ROOM, origins: [room.doc.clientID] }
  }
}

describe('live room fuzz with a secret, from an authenticated insider', () => {
  it(`survives ${FRAMES} frames inside a sealed session; honest replicas stay clean and converge`, async () => {
    const random = seededRandom(SEED)
    const problems: string[] = []
    const note = (problem: string): void => {
      if (problems.length < MAX_PROBLEMS) problems.push(problem)
    }
    const clock = new VirtualClock()
    const network = memoryNetwork({ clock, random: seededRandom(SEED ^ 0x51ed), latency: 0 })
    const secret = Uint8Array.from({ length: 32 }, () => randomInt(random, 256))
    const make = (salt: number): Room =>
      createRoom({ name: ROOM, doc: new Y.Doc(), transports: [network.transport()], clock, random: seededRandom(SEED ^ salt), secret, roundMs: ROUND_MS, budgets: NO_SCORING })
    const target = make(0x7a)
    const honest = make(0x600d)
    const honestClients = new Set([target.doc.clientID, honest.doc.clientID])
    const errors = new Map<string, Error[]>([['target', []], ['honest', []]])
    for (const [name, room] of [['target', target], ['honest', honest]] as const) {
      room.on('error', ({ error }) => errors.get(name)?.push(error))
      room.doc.on('update', (update: Uint8Array) => {
        const foreign = clientsOf(update).filter((client) => !honestClients.has(client))
        if (foreign.length > 0) note(`the ${name} document applied content of clientIDs ${foreign.join(', ')} (not an honest peer's)`)
      })
    }
    const edits: string[] = []
    const edit = (room: Room, who: string): void => {
      const mark = `${who}${edits.length};`
      room.doc.getText('log').insert(0, mark)
      edits.push(mark)
    }
    edit(target, 't')
    edit(honest, 'h')
    const synced = (): boolean => docDigest(target.doc) === docDigest(honest.doc) && edits.every((m) => target.doc.getText('log').toString().includes(m))
    /**
     * Moves virtual time in tenths of a round until `done`: each step gives the event loop a
     * turn, so the rooms' WebCrypto work (which runs in real time) keeps up with the clock.
     */
    const runUntil = async (done: () => boolean, rounds: number): Promise<boolean> => {
      for (let step = 0; step < rounds * 10 && !done(); step++) await clock.advance(ROUND_MS / 10)
      return done()
    }
    await Promise.all([target.whenLoaded(), honest.whenLoaded()])
    if (!(await runUntil(synced, 30))) note('the honest peers did not sync before the attack')

    const hostile = new SealedPeer({ network, clock, room: ROOM, keys: await deriveRoomKeys({ room: ROOM, secret }), target: target.peerId, onProblem: note })
    await hostile.start()
    const kinds = new Map<string, number>()
    let sealed = 0
    let failedJoins = 0
    try {
      for (let sent = 0; sent < FRAMES; sent++) {
        for (let attempt = 0; !hostile.ready; attempt++) {
          if (await hostile.join()) break
          failedJoins++
          if (attempt >= 10) throw new Error(`the room no longer completes the handshakes with a correct insider: ${hostile.lastJoinFailure}`)
          await clock.advance(ROUND_MS) // a crowded or suspicious room frees its slots over time
        }
        const heard = hostile.heard
        const base = heard.length > 0 && random.next() < 0.8 ? (pick(random, heard) as Uint8Array) : encodeFrame(builtFrame(random, target))
        const other = heard.length > 0 ? (pick(random, heard) as Uint8Array) : encodeFrame(builtFrame(random, target))
        const roll = random.next()
        let kind: string
        if (roll < 0.72) {
          kind = pick(random, MUTATION_NAMES) as string
          await hostile.sendSealed(mutate(kind, random, base, other))
          sealed++
        } else if (roll < 0.84) {
          kind = 'replay'
          await hostile.sendSealed(base)
          sealed++
        } else if (roll < 0.94) {
          kind = 'random bytes'
          await hostile.sendSealed(randomBytes(random, randomInt(random, 80)))
          sealed++
        } else {
          // Outside the seal: a mutated handshake frame, or the plaintext frame unsealed. The room ends the session.
          kind = 'unsealed'
          hostile.sendRaw(mutate(pick(random, MUTATION_NAMES) as string, random, base, other))
        }
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1)
        await hostile.settle(2)
        if (sent % FRAMES_PER_EDIT === 0) edit(random.next() < 0.5 ? target : honest, random.next() < 0.5 ? 't' : 'h')
        if (sent % FRAMES_PER_ROUND === 0) await clock.advance(ROUND_MS)
        if (random.next() < 1 / 200) hostile.hangUp('the insider hangs up')
      }
    } catch (error) {
      note(`the fuzz loop threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
    }
    await hostile.stop()
    // Edits made on `target` with 't' and on `honest` with 'h' at random: the marks name who edited only loosely.
    if (!(await runUntil(synced, 60))) {
      note(`the honest replicas did not converge: target ${JSON.stringify(target.doc.getText('log').toString())}, honest ${JSON.stringify(honest.doc.getText('log').toString())}`)
    }
    if (target.doc.getText('log').toString() !== honest.doc.getText('log').toString()) note('the honest replicas hold different text')
    for (const [name, list] of errors) {
      for (const error of list) {
        if (!(error instanceof GossamerError)) note(`the ${name} room reported an untyped error: ${error.name}: ${error.message}`)
        if (name === 'honest' && TRUST_ERRORS.has(error.name)) note(`the honest peer reported ${error.name}: ${error.message}`)
      }
    }
    if (target.closed || honest.closed) note('a room closed itself')
    if (uncaught.length > 0) note(`uncaught errors:\n${uncaught.join('\n')}`)
    const names = new Map<string, number>()
    for (const error of errors.get('target') ?? []) names.set(error.name, (names.get(error.name) ?? 0) + 1)
    const summary =
      `${sealed} sealed frames, ${hostile.sessions} authenticated sessions over ${hostile.connects} connections (${failedJoins} joins failed), ${edits.length} honest edits; ` +
      `target errors ${JSON.stringify(Object.fromEntries(names))}; inputs ${JSON.stringify(Object.fromEntries(kinds))}; target stats ${JSON.stringify(target.stats())}`
    if (process.env.GOSSAMER_FUZZ_VERBOSE !== undefined) console.log(summary)
    await Promise.all([target.close(), honest.close()])
    expect(problems, `${replay}\n${summary}\n${problems.join('\n')}`).toEqual([])
    // The fuzzer must get inside the seal, through reconnections, and reach the decoder.
    expect(sealed, summary).toBeGreaterThan(FRAMES / 2)
    expect(hostile.sessions, summary).toBeGreaterThan(1)
    expect(names.get('ProtocolError') ?? 0, summary).toBeGreaterThan(0)
  }, 120_000)
})
