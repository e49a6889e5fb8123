/**
 * The N = 8 WebRTC mesh scenario, run without a secret (mesh.test.ts) and with one
 * (mesh-secret.test.ts): eight Node peers, each a real room on a real WebRTC transport
 * (@roamhq/wrtc), introduced by the real signaling server running as a separate process.
 * Concurrent edits converge; then the server is SIGKILLed and edits still flow; then a peer
 * dies without a goodbye and the survivors repair the mesh through the mesh relay alone,
 * and a new edit reaches all of them. No transport ever holds more RTCPeerConnections than
 * `maxNeighbours` + 1 (the outbound-quota refill of a peer under pressure dials before an
 * inbound neighbour makes room), and with a secret one more (a dialer with no neighbour that
 * reaches a full peer is let in to authenticate on a spare connection, and only then makes room). It
 * prints its timings, including each link's handshake after its WebRTC connection opened.
 *
 * Runs only inside a private network namespace (WebRTC gathers candidates on every
 * interface): `bash scripts/with-netns.sh pnpm vitest run packages/webrtc test/webrtc`.
 * Set GOSSAMER_SEED to replay the seeded edits and peer ids; GOSSAMER_DEBUG=1 for a timeline.
 */
import * as Y from 'yjs'
import { createRoom, seededRandom, type Connection } from '@gossamer/core'
import { waitFor } from '@gossamer/testing'
import { exponentialBackoff, webrtc, type WrtcImplementation } from '@gossamer/webrtc'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chooseVictim, connected, converged, edit, MIN_NEIGHBOURS, type Peer } from './mesh-helpers.js'
import { startSignalingProcess, stopSignalingProcess, type SignalingProcess } from '../support/signaling-process.js'

const ENABLED = process.env['GOSSAMER_NETNS'] === '1'
const PEERS = 8
const MAX_NEIGHBOURS = 4
const ROUND_MS = 300
const SEED = Number(process.env['GOSSAMER_SEED'] ?? Date.now() % 1_000_000)

type Server = SignalingProcess
const startServer = startSignalingProcess
const killServer = (server: Server | undefined): Promise<void> => stopSignalingProcess(server, 'SIGKILL')

/** Options of {@link meshScenario}. */
export interface MeshOptions {
  /** The room secret; absent: a room without one. */
  secret?: string
}

/** p50 / p90 / max of `values`, in ms, for the printed summary. */
function spread(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number): string => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN).toFixed(1)
  return `p50 ${at(0.5)} ms, p90 ${at(0.9)} ms, max ${at(1)} ms (n ${values.length})`
}

/** Defines the mesh test (skipped outside a network namespace). */
export function meshScenario(options: MeshOptions = {}): void {
  // RTCPeerConnections a peer may hold: maxNeighbours, plus one for an outbound-quota refill
  // dial under pressure (it dials before an inbound neighbour makes room: evicting first lets
  // sybils win, docs/ARCHITECTURE.md), plus, with a secret, one spare for a dialer still authenticating.
  const cap = MAX_NEIGHBOURS + 1 + (options.secret === undefined ? 0 : 1)
  const label = options.secret === undefined ? 'without a secret' : 'with a secret'
  describe.skipIf(!ENABLED)(`webrtc mesh of ${PEERS} Node peers ${label} (network namespace, seed ${SEED})`, () => {
    let server: Server | undefined
    const peers: Peer[] = []
    const errors: Error[] = []
    let sampler: ReturnType<typeof setInterval> | undefined
    const overCap: string[] = []

    /** What each peer looks like, for failure messages. */
    const dump = (): string =>
      peers
        .map((p) => {
          const st = p.transport.stats()
          return `peer ${p.index}${p.alive ? '' : ' (dead)'} ${p.room.peerId}: neighbours [${p.room.neighbours().join(' ')}] known ${p.room.knownPeers().length} rtc ${st.peerConnections} created ${st.created} opened ${st.dialsOpened} failed ${st.dialsFailed} refused ${st.refused} glares ${st.glares}`
        })
        .concat(errors.slice(0, 30).map((e) => `error ${e.name}: ${e.message}`))
        .join('\n')

    // Native WebRTC loads only here, never in a run outside the namespace.
    let wrtc: WrtcImplementation
    let WebSocket: typeof import('ws').WebSocket
    beforeAll(async () => {
      const native = await import('@roamhq/wrtc')
      wrtc = (native as { default?: WrtcImplementation }).default ?? native
      WebSocket = (await import('ws')).WebSocket
    })

    afterAll(async () => {
      if (process.env['GOSSAMER_DEBUG'] === '1') console.info(dump())
      if (sampler !== undefined) clearInterval(sampler)
      await Promise.all(peers.map((p) => p.room.close()))
      await killServer(server)
    })

    /** Each link's handshake: from its WebRTC connection opening to `peer:join`. */
    const handshakeMs: number[] = []

    it('forms a bounded mesh, converges, survives the server dying, and repairs after a peer dies', async () => {
      const random = seededRandom(SEED)
      const name = `mesh-${SEED}-${globalThis.crypto.randomUUID()}`
      const t0 = performance.now()
      server = await startServer(AbortSignal.timeout(15_000))
      const tServer = performance.now()

      for (let index = 0; index < PEERS; index++) {
        const transport = webrtc({
          signaling: [server.url],
          iceServers: [],
          wrtc,
          WebSocket,
          connectTimeoutMs: 2000,
          acceptTimeoutMs: 3 * ROUND_MS, // the room's admission reservation
          backoff: exponentialBackoff({ initialMs: 100, maxMs: 1000 }),
        })
        const doc = new Y.Doc()
        const room = createRoom({
          name,
          doc,
          transports: [transport],
          maxNeighbours: MAX_NEIGHBOURS,
          minNeighbours: MIN_NEIGHBOURS,
          roundMs: ROUND_MS,
          // This test is about repair after the server and a peer die, which `maintain` does.
          // Periodic rewiring (every reconnect period) can evict a neighbour whose only link it
          // was, and with the server dead nothing can reach that peer again: a known gap (see
          // the closing note). Keep rewiring out of this short run.
          reconnectEveryRounds: 1000,
          random: seededRandom(SEED * 31 + index),
          // With a secret, the peer id is the identity key's.
          ...(options.secret === undefined ? { peerId: `m${index}-${SEED}` } : { secret: options.secret }),
        })
        room.on('error', ({ error }) => errors.push(error))
        // When each connection opened (either direction), to time the handshake that follows.
        const openedAt = new Map<string, number>()
        transport.on('connection:open', ({ connection }) => openedAt.set(connection.remotePeerId, performance.now()))
        const dialForTiming = transport.dial.bind(transport)
        transport.dial = async (peerId, dialOptions) => {
          const connection = await dialForTiming(peerId, dialOptions)
          openedAt.set(peerId, performance.now())
          return connection
        }
        room.on('peer:join', ({ peerId }) => {
          const at = openedAt.get(peerId)
          if (at !== undefined) handshakeMs.push(performance.now() - at)
          openedAt.delete(peerId)
        })
        // GOSSAMER_DEBUG=1 prints the timeline of links, closes (with reasons) and failed dials.
        if (process.env['GOSSAMER_DEBUG'] === '1') {
          const at = (): string => performance.now().toFixed(0)
          room.on('peer:join', ({ peerId }) => console.info(`${at()} m${index} + ${peerId}`))
          room.on('peer:leave', ({ peerId }) => console.info(`${at()} m${index} - ${peerId}`))
          const watch = (c: Connection, how: string): void => {
            c.on('close', ({ reason }) => console.info(`${at()} m${index} ${how} ${c.remotePeerId} closed: ${String(reason)}`))
          }
          transport.on('connection:open', ({ connection }) => watch(connection, 'in'))
          const dial = transport.dial.bind(transport)
          transport.dial = async (peerId, options) => {
            try {
              const c = await dial(peerId, options)
              watch(c, 'out')
              return c
            } catch (error) {
              console.info(`${at()} m${index} dial ${peerId} failed: ${(error as Error).message}`)
              throw error
            }
          }
        }
        peers.push({ index, room, doc, transport, alive: true })
      }
      // The cap holds throughout: sampled every 2 ms, and exactly through each transport's peak.
      sampler = setInterval(() => {
        for (const p of peers) {
          const n = p.transport.connections().length
          if (n > cap) overCap.push(`peer ${p.index} had ${n} RTCPeerConnections`)
        }
      }, 2)
      const live = (): Peer[] => peers.filter((p) => p.alive)

      // 1. The mesh forms: the overlay is connected and everyone has neighbours (a peer below
      // MIN_NEIGHBOURS whose candidates are all full stays there: HyParView only forces isolated joins in).
      await waitFor(() => peers.every((p) => p.room.neighbours().length >= 1) && connected(peers) && peers.every((p) => p.room.synced), {
        signal: AbortSignal.timeout(15_000),
        description: 'the mesh to form',
      })
      const tMesh = performance.now()

      // 2. Concurrent edits converge.
      for (let round = 0; round < 5; round++) for (const p of peers) edit(p, random, 'a')
      await waitFor(() => converged(peers), { signal: AbortSignal.timeout(15_000), description: 'convergence with the server up' })
      const tConverged = performance.now()
      expect(peers[0]!.doc.getText('t').length).toBeGreaterThan(0)

      // 3. The server dies (SIGKILL) once the mesh is settled: connected, everyone at MIN_NEIGHBOURS
      // or more, every RTCPeerConnection an open neighbour link. (Before that, an isolated joiner's
      // urgent dial may still evict someone, and without a server a partition could never heal.)
      const quiet = (): boolean =>
        peers.every((p) => p.transport.connections().every((c) => c.phase === 'open') && p.transport.connections().length === p.room.neighbours().length)
      await waitFor(() => connected(peers) && peers.every((p) => p.room.neighbours().length >= MIN_NEIGHBOURS) && quiet(), {
        signal: AbortSignal.timeout(15_000),
        description: 'the mesh to settle before the server dies',
      })
      await killServer(server)
      await waitFor(() => peers.every((p) => !p.transport.signalingReady()), {
        signal: AbortSignal.timeout(10_000),
        description: 'every peer to notice the server is gone',
      })
      // Quiet: every RTCPeerConnection is an open neighbour link, so any link made from now on
      // was signaled with the server dead.
      await waitFor(quiet, { signal: AbortSignal.timeout(10_000), description: 'the mesh to settle' })
      const createdBefore = peers.map((p) => p.transport.stats().created)
      const relayedBefore = peers.map((p) => p.transport.stats().signalsViaRelay)
      for (let round = 0; round < 3; round++) for (const p of peers) edit(p, random, 'b')
      await waitFor(() => converged(peers), { signal: AbortSignal.timeout(15_000), description: 'convergence with the server dead' })
      const tServerDead = performance.now()

      // 4. A peer dies without a goodbye; the survivors repair through the relay alone.
      const victim = chooseVictim(peers)
      const victimNeighbours = victim.room.neighbours()
      const needRepair = peers.filter((p) => victimNeighbours.includes(p.room.peerId) && p.room.neighbours().length - 1 < MIN_NEIGHBOURS)
      victim.alive = false
      await victim.transport.stop({ goodbye: false })
      await victim.room.close()
      const survivors = live()
      await waitFor(
        () =>
          survivors.every((p) => !p.room.neighbours().includes(victim.room.peerId)) &&
          needRepair.every((p) => p.room.neighbours().length >= MIN_NEIGHBOURS) &&
          (survivors.every((p) => p.room.neighbours().length >= MIN_NEIGHBOURS) || connected(survivors)),
        { signal: AbortSignal.timeout(20_000), description: 'the survivors to repair the mesh' },
      )
      const tRepaired = performance.now()
      expect(connected(survivors)).toBe(true)
      expect(survivors.every((p) => p.transport.signalingReady())).toBe(false)
      const newLinks = survivors.reduce((sum, p) => sum + p.transport.stats().created - createdBefore[p.index]!, 0)
      // Peers the death left below MIN_NEIGHBOURS dialed new links with the server dead: signaled through the mesh.
      const relayed = survivors.reduce((sum, p) => sum + p.transport.stats().signalsViaRelay - relayedBefore[p.index]!, 0)
      if (needRepair.length > 0) expect(newLinks).toBeGreaterThan(0)
      if (newLinks > 0) expect(relayed).toBeGreaterThan(0)

      // A new edit after the repair reaches every survivor.
      const writer = survivors[Math.floor(random.next() * survivors.length)]!
      writer.doc.getText('t').insert(0, 'after-repair;')
      await waitFor(() => converged(survivors) && survivors.every((p) => p.doc.getText('t').toString().startsWith('after-repair;')), {
        signal: AbortSignal.timeout(15_000),
        description: 'the post-repair edit to reach every survivor',
      })
      const tDone = performance.now()

      // The cap, everywhere, the whole time.
      clearInterval(sampler)
      sampler = undefined
      expect(overCap).toEqual([])
      for (const p of peers) {
        expect(p.transport.stats().peakPeerConnections).toBeLessThanOrEqual(cap)
        expect(p.room.neighbours().length).toBeLessThanOrEqual(MAX_NEIGHBOURS)
      }
      // Malformed input never happened between honest peers, nor did any authentication fail.
      expect(errors.filter((e) => e.name === 'ProtocolError')).toEqual([])
      expect(errors.filter((e) => ['AuthenticationError', 'DecryptError', 'FrameReplayError', 'FrameOrderError', 'SessionOverflowError'].includes(e.name))).toEqual([])
      expect(peers.every((p) => p.room.stats().authFailures === 0)).toBe(true)

      const stats = peers.map((p) => p.transport.stats())
      const opened = stats.reduce((s, x) => s + x.dialsOpened, 0)
      const ms = (a: number, b: number): string => `${(b - a).toFixed(0)} ms`
      console.info(
        [
          `mesh ${label} (seed ${SEED}): server up ${ms(t0, tServer)}, mesh formed ${ms(tServer, tMesh)}, converged ${ms(tMesh, tConverged)},`,
          `converged with server dead ${ms(tConverged, tServerDead)}, repaired after a ${victimNeighbours.length}-neighbour peer died (${needRepair.length} peers below min) ${ms(tServerDead, tRepaired)},`,
          `post-repair edit ${ms(tRepaired, tDone)}; dials opened ${opened}, mean ${(stats.reduce((s, x) => s + x.dialMsTotal, 0) / Math.max(1, opened)).toFixed(1)} ms,`,
          `max ${Math.max(...stats.map((x) => x.dialMsMax)).toFixed(1)} ms; refused ${stats.reduce((s, x) => s + x.refused, 0)}, glares ${stats.reduce((s, x) => s + x.glares, 0)},`,
          `relay-era links ${newLinks} (${relayed} relayed signals), peaks [${stats.map((x) => x.peakPeerConnections).join(',')}], errors ${errors.length};`,
          `handshake after the connection opened: ${spread(handshakeMs)}`,
        ].join(' '),
      )
    })
  })
}
