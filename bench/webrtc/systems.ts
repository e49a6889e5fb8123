/**
 * The systems under test behind one small interface, so the scenario treats them
 * identically: Gossamer (`@gossamer/core` rooms on `@gossamer/webrtc`), open (`gossamer`) or
 * with a room secret (`gossamer-secret`), and y-webrtc 10.3.0 (`WebrtcProvider`), all on
 * simple-peer over `@roamhq/wrtc`, all with no ICE servers.
 */
import { register } from 'node:module'
import type * as Y from 'yjs'
import type { Awareness } from 'y-protocols/awareness'
import { WebSocket } from 'ws'
import { FrameType, createRoom, generateRoomSecret, type Room, type RoomStats } from '@gossamer/core'
import { webrtc, type WebRTCTransport, type WrtcImplementation } from '@gossamer/webrtc'
import { startGossamerServer, startYWebrtcServer, type SignalingProcess } from './servers.js'
import type { Classifier, WrtcLike } from './wire.js'

/** Every system the bench knows, in the order of its tables and charts. */
export const SYSTEM_NAMES = ['gossamer', 'gossamer-secret', 'y-webrtc'] as const

/** One of {@link SYSTEM_NAMES}. */
export type SystemName = (typeof SYSTEM_NAMES)[number]

/** The most connections a Gossamer room keeps (the target checks it is never exceeded). */
export const MAX_NEIGHBOURS = 6

/** One peer of either system. */
export interface BenchPeer {
  readonly doc: Y.Doc
  readonly awareness: Awareness
  /** WebRTC connections as the system itself counts them (connecting and closing included where it tracks them). */
  connections(): number
  /** Connections that are open (data channel up). */
  openConnections(): number
  /** Has this peer reached what "connected" means for its system (see {@link System.expectedConnections}). */
  connected(peers: number): boolean
  /** Has it completed a sync with each of its connections (y-webrtc) or with a neighbour (Gossamer)? */
  synced(): boolean
  /** Gossamer only: the room's own counters. */
  roomStats?(): RoomStats
  /** Gossamer only: frames and bytes sent by frame type, counted before sealing (`room.metrics()`). */
  framesSentByType?(): Record<string, { frames: number; bytes: number }>
  /** Gossamer only: the transport's exact peak of RTCPeerConnections. */
  peakPeerConnections?(): number
  close(): Promise<void>
}

/** A system under test. */
export interface System {
  name: SystemName
  /** Which implementation it is: both Gossamer variants share one code path. */
  family: 'gossamer' | 'y-webrtc'
  /** Connections each peer must have before the run counts as connected. */
  expectedConnections(peers: number): number
  startServer(): Promise<SignalingProcess>
  /** Names a data-channel payload of this system (its message type), for the traffic breakdown. */
  classify: Classifier
  /** Loads what `createPeer` needs for `peers` peers, so the connect clock measures connecting only. */
  prepare?(peers: number): Promise<void>
  /**
   * Creates peer `index` of a room on `doc`, the given signaling server and WebRTC
   * implementation; `onError` gets the system's error events. The doc comes from the caller,
   * so the caller's `update` listener runs before the system's own (which forwards).
   */
  createPeer(index: number, doc: Y.Doc, room: string, url: string, wrtc: WrtcLike, onError: (message: string) => void): Promise<BenchPeer>
}

// ---- Gossamer ------------------------------------------------------------------------

/**
 * Core frame names by tag. A room with a secret seals every frame after the handshake
 * (AES-256-GCM): on the wire it is a `Sealed` frame whose inner type (Delta, Digest,
 * Awareness…) is encrypted, so the meter can only name it "Sealed (type hidden)".
 */
const FRAME_NAMES = new Map<number, string>(
  Object.entries(FrameType).map(([name, tag]) => [tag, tag === FrameType.Sealed ? 'Sealed (type hidden)' : name]),
)

/**
 * @gossamer/webrtc's data-channel messages: whole (0x04, then the core frame: varUint type
 * first), chunk (0x00, 13-byte header, then the frame), ready, close, ack.
 */
function classifyGossamer(p: Uint8Array): string {
  switch (p[0]) {
    case 0: {
      if (p.byteLength < 14) return 'chunk?'
      const index = ((p[5]! << 24) | (p[6]! << 16) | (p[7]! << 8) | p[8]!) >>> 0
      if (index !== 0) return 'chunk (continued)'
      const tag = p[13]!
      return tag < 128 ? (FRAME_NAMES.get(tag) ?? `frame ${tag}`) : 'frame ?'
    }
    case 1:
      return 'ready'
    case 2:
      return 'close'
    case 3:
      return 'ack'
    case 4: {
      const tag = p[1]
      return tag === undefined ? 'whole?' : tag < 128 ? (FRAME_NAMES.get(tag) ?? `frame ${tag}`) : 'frame ?'
    }
    default:
      return `wire ${String(p[0])}`
  }
}

/** y-webrtc's messages: varUint type (0 sync, 1 awareness, 3 query awareness), sync's own type next. */
function classifyYWebrtc(p: Uint8Array): string {
  switch (p[0]) {
    case 0:
      return ['SyncStep1', 'SyncStep2', 'Update'][p[1] ?? 9] ?? 'Sync ?'
    case 1:
      return 'Awareness'
    case 3:
      return 'QueryAwareness'
    default:
      return `message ${String(p[0])}`
  }
}

/**
 * A Gossamer system: the same peers, with or without a room secret. With `withSecret`, one
 * `generateRoomSecret()` is shared by every peer of this system object (one object per run),
 * so each peer gets a fresh Ed25519 identity and the room authenticates, signs and seals.
 */
function gossamerSystem(name: 'gossamer' | 'gossamer-secret', withSecret: boolean): System {
  const secret = withSecret ? generateRoomSecret() : undefined
  const expectedConnections = (peers: number): number => Math.min(peers - 1, MAX_NEIGHBOURS - 1)
  return {
    name,
    family: 'gossamer',
    classify: classifyGossamer,
    expectedConnections,
    startServer: startGossamerServer,
    async createPeer(_index, doc, room, url, wrtc, onError) {
      const transport: WebRTCTransport = webrtc({ signaling: [url], iceServers: [], wrtc: wrtc as WrtcImplementation, WebSocket })
      const r: Room = createRoom({ name: room, doc, transports: [transport], maxNeighbours: MAX_NEIGHBOURS, ...(secret === undefined ? {} : { secret }) })
      r.on('error', ({ error }) => onError(`room: ${error.name}: ${error.message}`))
      return {
        doc,
        awareness: r.awareness,
        connections: () => transport.connections().length,
        openConnections: () => transport.connections().filter((c) => c.phase === 'open').length,
        connected: (peers) => r.neighbours().length >= expectedConnections(peers) && r.synced,
        synced: () => r.synced,
        roomStats: () => r.stats(),
        framesSentByType: () => r.metrics().frames.sent,
        peakPeerConnections: () => transport.stats().peakPeerConnections,
        async close() {
          await r.close()
          await transport.stop()
        },
      }
    },
  }
}

// ---- y-webrtc --------------------------------------------------------------------------

/** The parts of y-webrtc 10.3.0 the bench touches. */
interface YWebrtcConn {
  connected: boolean
  closed: boolean
  synced: boolean
}
interface YWebrtcProvider {
  awareness: Awareness
  room: { webrtcConns: Map<string, YWebrtcConn>; bcConns: Set<string> } | null
  destroy(): void
}
interface YWebrtcModule {
  WebrtcProvider: new (room: string, doc: Y.Doc, options: Record<string, unknown>) => YWebrtcProvider
}

let hooksRegistered = false
const modules = new Map<number, YWebrtcModule>()

/**
 * y-webrtc keeps its rooms and signaling connections in module-global maps (one provider
 * per room name per process), so each peer loads its own instance of `y-webrtc.js` (a
 * distinct `?peer=` URL is a distinct ES module; yjs, y-protocols, lib0 and simple-peer stay
 * shared). Its BroadcastChannel is stubbed by y-webrtc-hooks.mjs: lib0 delivers in-process
 * publishes to every subscriber synchronously, which would bypass WebRTC entirely.
 */
async function loadYWebrtc(index: number): Promise<YWebrtcModule> {
  if (!hooksRegistered) {
    register(new URL('./y-webrtc-hooks.mjs', import.meta.url))
    hooksRegistered = true
    // lib0/websocket (y-webrtc's signaling client) uses the global WebSocket; Node 20 has none.
    const g = globalThis as { WebSocket?: unknown }
    g.WebSocket ??= WebSocket
  }
  let loaded = modules.get(index)
  if (loaded === undefined) {
    loaded = (await import(`${import.meta.resolve('y-webrtc')}?peer=${index}`)) as YWebrtcModule
    modules.set(index, loaded)
  }
  return loaded
}

const yWebrtc: System = {
  name: 'y-webrtc',
  family: 'y-webrtc',
  classify: classifyYWebrtc,
  expectedConnections: (peers) => peers - 1,
  startServer: startYWebrtcServer,
  async prepare(peers) {
    for (let i = 0; i < peers; i++) await loadYWebrtc(i)
  },
  async createPeer(index, doc, name, url, wrtc) {
    const { WebrtcProvider } = await loadYWebrtc(index)
    const provider = new WebrtcProvider(name, doc, {
      signaling: [url],
      filterBcConns: false,
      peerOpts: { wrtc, config: { iceServers: [] } },
    })
    const conns = (): YWebrtcConn[] => [...(provider.room?.webrtcConns.values() ?? [])]
    const open = (): YWebrtcConn[] => conns().filter((c) => c.connected && !c.closed)
    return {
      doc,
      awareness: provider.awareness,
      connections: () => conns().filter((c) => !c.closed).length,
      openConnections: () => open().length,
      connected: (peers) => open().length >= peers - 1,
      synced: () => {
        const all = open()
        return all.length > 0 && all.every((c) => c.synced)
      },
      close() {
        provider.destroy()
        return Promise.resolve()
      },
    }
  },
}

/**
 * Creates the system to run: a new object per run, so a `gossamer-secret` run's peers share
 * one secret that no other run uses.
 */
export function createSystem(name: SystemName): System {
  switch (name) {
    case 'gossamer':
      return gossamerSystem(name, false)
    case 'gossamer-secret':
      return gossamerSystem(name, true)
    case 'y-webrtc':
      return yWebrtc
  }
}

/** Whether `name` is one of {@link SYSTEM_NAMES}. */
export function isSystemName(name: string): name is SystemName {
  return (SYSTEM_NAMES as readonly string[]).includes(name)
}

/** Whether `name` is one of the Gossamer variants (with or without a secret). */
export function isGossamer(name: SystemName): boolean {
  return name === 'gossamer' || name === 'gossamer-secret'
}
