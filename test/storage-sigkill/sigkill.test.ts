/**
 * Durability across a real crash: a peer PROCESS (peer.ts: a room on real WebRTC with
 * `@gossamer/storage-node`'s SQLite store) makes an edit, awaits `room.flush()`, says so, and is
 * SIGKILLed at once. Restarted on the same store directory, it has the edit before it joins
 * the network, and it syncs both ways with a live peer in this process, over WebRTC through
 * the real signaling server (a separate process too). A second case kills the process in
 * the middle of a burst of flushed edits (compaction steps included), three times over:
 * every acknowledged edit survives, and the store never reads as corrupt.
 *
 * Runs only inside a private network namespace (WebRTC gathers candidates on every
 * interface): `bash scripts/with-netns.sh pnpm vitest run test/storage-sigkill`.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import wrtc from '@roamhq/wrtc'
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import { createRoom, ENVELOPE_FORMAT, generateRoomSecret, type Room } from '@gossamer/core'
import { waitFor } from '@gossamer/testing'
import { webrtc } from '@gossamer/webrtc'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { sqlite } from '@gossamer/storage-node'
import { PeerProcess } from './peer-process.js'
import { startSignalingProcess, stopSignalingProcess, type SignalingProcess } from '../support/signaling-process.js'

const ENABLED = process.env['GOSSAMER_NETNS'] === '1'
/** Errors that mean the store lost or mangled something. */
const STORAGE_FAILURE = /^(StorageCorruptError|StorageError|SqliteStorageError|SqliteOpenError|KeyMismatchError|UnsignedContentError)\b/

type Server = SignalingProcess
const startServer = startSignalingProcess
const stopServer = (server: Server | undefined): Promise<void> => stopSignalingProcess(server, 'SIGTERM')

const token = (): string => randomBytes(4).toString('hex')

describe.skipIf(!ENABLED)('a peer process SIGKILLed right after flush() (network namespace)', () => {
  let server: Server | undefined
  const dirs: string[] = []
  const processes: PeerProcess[] = []
  const rooms: Room[] = []

  const storeDir = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'gossamer-sigkill-'))
    dirs.push(dir)
    return dir
  }

  /** Starts a peer process on `dir` and waits until it has loaded its store. */
  const startPeer = async (dir: string, room: string, trust: { secret?: string; encrypt?: boolean } = {}): Promise<PeerProcess> => {
    const peer = new PeerProcess({ dir, room, signalingUrl: server!.url, ...trust })
    processes.push(peer)
    await peer.waitFor(() => peer.loaded !== undefined && peer.peerId !== undefined, 'the stored document to load', 20_000)
    return peer
  }

  /** Sends `EDIT text` and SIGKILLs the process the moment its `FLUSHED text` line arrives. */
  const editThenKill = async (peer: PeerProcess, text: string): Promise<void> => {
    const off = peer.onLine((line) => {
      if (line === `FLUSHED ${text}`) peer.child.kill('SIGKILL')
    })
    peer.send(`EDIT ${text}`)
    const exit = await peer.exited
    off()
    expect(exit.signal, peer.describe()).toBe('SIGKILL')
    expect(peer.flushed).toContain(text)
  }

  beforeAll(async () => {
    server = await startServer(AbortSignal.timeout(20_000))
  }, 25_000)

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') for (const peer of processes) console.error(peer.describe())
    await Promise.all(processes.splice(0).map((peer) => peer.kill()))
    await Promise.all(rooms.splice(0).map((room) => room.close()))
  })

  afterAll(async () => {
    await stopServer(server)
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })))
  })

  it('keeps the flushed edit across the kill, then syncs both ways with a live peer over WebRTC', async () => {
    const room = `sigkill-${token()}`
    const dir = await storeDir()
    const kept = `kept-${token()}`

    // 1. A process edits, flushes, and dies the instant it says FLUSHED. Nobody else is in the room.
    const first = await startPeer(dir, room)
    expect(first.loaded).toEqual([])
    await editThenKill(first, kept)

    // 2. A live peer in this process joins the room and edits: it never saw `kept`.
    const doc = new Y.Doc()
    const lines = doc.getArray<string>('lines')
    const live = createRoom({
      name: room,
      doc,
      transports: [webrtc({ signaling: [server!.url], iceServers: [], wrtc, WebSocket })],
      roundMs: 250,
    })
    rooms.push(live)
    lines.push(['live-1'])

    // 3. The restarted process has `kept` from disk, before any transport started.
    const second = await startPeer(dir, room)
    expect(second.loaded).toEqual([kept])
    expect(second.peerId).toBeDefined()

    // 4. Both ways, over WebRTC.
    await second.waitFor(() => second.doc.includes('live-1'), 'the live peer’s edit to reach the restarted process')
    await waitFor(() => lines.toArray().includes(kept), {
      signal: AbortSignal.timeout(15_000),
      intervalMs: 10,
      description: 'the recovered edit to reach the live peer',
    })
    expect(live.neighbours()).toContain(second.peerId)
    lines.push(['live-2'])
    await second.waitFor(() => second.doc.includes('live-2'), 'a second live edit to reach the restarted process')
    second.send('EDIT after-restart')
    await second.waitFor(() => second.flushed.includes('after-restart'), 'the restarted process to flush a new edit')
    await waitFor(() => lines.toArray().includes('after-restart'), {
      signal: AbortSignal.timeout(15_000),
      intervalMs: 10,
      description: 'the restarted process’s new edit to reach the live peer',
    })
    expect([...second.doc].sort()).toEqual([...lines.toArray()].sort())
    expect(second.doc).toHaveLength(4)

    // 5. A clean exit, and a third start reads all four from disk: what arrived over the network was stored too.
    second.send('EXIT')
    expect(await second.exited).toEqual({ code: 0, signal: null })
    await live.close()
    const third = await startPeer(dir, room)
    expect([...(third.loaded ?? [])].sort()).toEqual(['after-restart', kept, 'live-1', 'live-2'].sort())
    for (const peer of [first, second, third]) expect(peer.errors.filter((e) => STORAGE_FAILURE.test(e)), peer.describe()).toEqual([])
  })

  it.each([
    ['an open room', {}],
    ['a room with a secret and encryptStorage', { secret: generateRoomSecret(), encrypt: true }],
  ])('%s: keeps every flushed edit when killed in the middle of a burst (compaction steps included), three times over', async (_label, trust) => {
    const room = `burst-${token()}`
    const dir = await storeDir()
    const acknowledged: string[] = []
    let previous: string[] = []
    for (let round = 0; round < 3; round++) {
      const peer = await startPeer(dir, room, trust)
      // Everything acknowledged in earlier rounds came back, in order, plus maybe edits made
      // after the last acknowledgement (written, not yet acknowledged).
      const loaded = peer.loaded ?? []
      expect(loaded.slice(0, previous.length)).toEqual(previous)
      for (const text of acknowledged) expect(loaded).toContain(text)
      expect(peer.errors.filter((e) => STORAGE_FAILURE.test(e)), peer.describe()).toEqual([])
      // Past the first compaction step (128 log records bundled), at a point that varies per run.
      const killAfter = 150 + Math.floor(Math.random() * 120)
      const prefix = `r${round}`
      const off = peer.onLine((line) => {
        if (line === `FLUSHED ${prefix}-${killAfter}`) peer.child.kill('SIGKILL')
      })
      peer.send(`BURST ${prefix} 400`)
      const exit = await peer.exited
      off()
      expect(exit.signal, peer.describe()).toBe('SIGKILL')
      // The process may have acknowledged a few more before the signal landed: those count too.
      expect(peer.flushed).toContain(`${prefix}-${killAfter}`)
      acknowledged.push(...peer.flushed)
      previous = [...loaded, ...peer.flushed.filter((text) => !loaded.includes(text))]
    }
    const last = await startPeer(dir, room, trust)
    const loaded = last.loaded ?? []
    for (const text of acknowledged) expect(loaded).toContain(text)
    expect(loaded.slice(0, previous.length)).toEqual(previous)
    expect(last.errors.filter((e) => STORAGE_FAILURE.test(e)), last.describe()).toEqual([])

    // Compaction did run between the kills: bundles exist, and far fewer records than edits.
    await last.kill()
    const disk = sqlite({ path: join(dir, 'peer.db') })
    const kinds = (await disk.loadRange(['gossamer', room])).map((chunk) => chunk.key[2])
    await disk.close()
    const documentKinds = kinds.filter((kind) => kind !== 'chain' && kind !== 'identity-key')
    expect(documentKinds.some((kind) => kind === 'bundle' || kind === 'snapshot')).toBe(true)
    expect(documentKinds.length).toBeLessThan(acknowledged.length / 2)
    // Chain records (one per write while a writer lives) are compacted by the next writer that finds many.
    expect(kinds.filter((kind) => kind === 'chain').length).toBeLessThan(acknowledged.length / 2)
  })

  it('a room with a secret and encryptStorage: the flushed edit survives the kill, is served from disk (signed), and nothing is stored in the clear', async () => {
    const room = `sealed-${token()}`
    const dir = await storeDir()
    const trust = { secret: generateRoomSecret(), encrypt: true }
    const kept = `kept-${token()}`

    // 1. Edit, flush, SIGKILL: the identity key was never released clean.
    const first = await startPeer(dir, room, trust)
    expect(first.loaded).toEqual([])
    await editThenKill(first, kept)

    // 2. A live peer with the secret, which never saw `kept`.
    const doc = new Y.Doc()
    const lines = doc.getArray<string>('lines')
    const live = createRoom({ name: room, doc, secret: trust.secret, transports: [webrtc({ signaling: [server!.url], iceServers: [], wrtc, WebSocket })], roundMs: 250 })
    const liveErrors: string[] = []
    live.on('error', ({ error }) => liveErrors.push(`${error.name} ${error.message}`))
    rooms.push(live)
    lines.push(['live-1'])

    // 3. The restart decrypts `kept` from disk, under a fresh identity (the killed one's key is never reused).
    const second = await startPeer(dir, room, trust)
    expect(second.loaded).toEqual([kept])
    expect(second.peerId).not.toBe(first.peerId)

    // 4. Both ways: `kept` reaches the live peer through its chain, checked by its signature.
    await second.waitFor(() => second.doc.includes('live-1'), 'the live peer’s edit to reach the restarted process')
    await waitFor(() => lines.toArray().includes(kept), { signal: AbortSignal.timeout(15_000), intervalMs: 10, description: 'the recovered edit to reach the live peer' })
    second.send('EDIT after-restart')
    await waitFor(() => lines.toArray().includes('after-restart'), { signal: AbortSignal.timeout(15_000), intervalMs: 10, description: 'a new edit of the restarted process' })

    // 5. A clean exit: the third start keeps the second's identity and has everything.
    second.send('EXIT')
    expect(await second.exited).toEqual({ code: 0, signal: null })
    await live.close()
    const third = await startPeer(dir, room, trust)
    expect(third.peerId).toBe(second.peerId)
    expect([...(third.loaded ?? [])].sort()).toEqual(['after-restart', kept, 'live-1'].sort())
    await third.kill()
    for (const peer of [first, second, third]) expect(peer.errors.filter((e) => STORAGE_FAILURE.test(e)), peer.describe()).toEqual([])
    expect(liveErrors.filter((e) => /Signature|Authorship|Decrypt/.test(e))).toEqual([])

    // 6. The database holds envelopes only for this room, and none of its words.
    const disk = sqlite({ path: join(dir, 'peer.db') })
    const chunks = await disk.loadRange(['gossamer', room])
    await disk.close()
    expect(chunks.length).toBeGreaterThan(0)
    for (const chunk of chunks) {
      expect(chunk.data[0], chunk.key.join('/')).toBe(ENVELOPE_FORMAT)
      expect(Buffer.from(chunk.data).includes(Buffer.from(kept)), chunk.key.join('/')).toBe(false)
    }
  })
})
