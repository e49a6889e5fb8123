/**
 * The page's room, and the online/offline switch. The room has BroadcastChannel (tabs of
 * this browser) and WebRTC (everyone else) for transports; "Go offline" is
 * `room.disconnect()`, which closes every connection, the signaling socket and discovery
 * while the room keeps its document, storage and identity (edits keep reaching IndexedDB);
 * "Go online" is `room.connect()`, after which whatever both sides did meanwhile merges.
 */
import { broadcastChannel, createRoom, type ErrorEvent, type Room, type StorageAdapter } from '@gossamer/core'
import { webrtc, type WebRTCTransport } from '@gossamer/webrtc'
import type * as Y from 'yjs'

/** What the network badge shows. */
export type NetworkState = 'online' | 'connecting' | 'offline'

/** Options of {@link TodoSession}. */
export interface SessionInit {
  /** Room name. */
  name: string
  doc: Y.Doc
  /** Where the room logs every edit. */
  storage: StorageAdapter
  /** Signaling server URLs for WebRTC. */
  signaling: string[]
  /** Start online? */
  online: boolean
  /** Something the status badges show changed (peers, sync, connection). */
  onChange: () => void
  /** The room reported an error. */
  onError: (event: ErrorEvent) => void
}

/** One page's room and its online/offline switch. */
export class TodoSession {
  readonly room: Room
  readonly #rtc: WebRTCTransport
  readonly #onChange: () => void
  #switching = 0
  #queue: Promise<void> = Promise.resolve()

  constructor(init: SessionInit) {
    this.#rtc = webrtc({ signaling: init.signaling, iceServers: [] })
    this.#onChange = init.onChange
    const { name, doc, storage, onChange, onError } = init
    this.room = createRoom({ name, doc, storage, transports: [broadcastChannel(), this.#rtc], connect: init.online })
    for (const event of ['status', 'synced', 'peers', 'storage:loaded'] as const) this.room.on(event, onChange)
    this.room.on('error', onError)
  }

  /** True when the page wants to be online. */
  get online(): boolean {
    return this.room.connected
  }

  /** True while a switch is in progress (transports starting or stopping). */
  get switching(): boolean {
    return this.#switching > 0
  }

  /** The network badge: offline by choice, online once a signaling server welcomed us, connecting before. */
  network(): { state: NetworkState; neighbours: number } {
    const neighbours = this.room.closed ? 0 : this.room.neighbours().length
    if (!this.room.connected) return { state: 'offline', neighbours }
    return { state: this.#rtc.signalingReady() ? 'online' : 'connecting', neighbours }
  }

  /** Resolves once the room has loaded the stored list. */
  whenLoaded(): Promise<void> {
    return this.room.whenLoaded()
  }

  /** Goes online or offline; resolves once the transports have started or stopped. Switches run in call order. */
  setOnline(online: boolean): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.room.closed || online === this.room.connected) return
      this.#switching++
      try {
        await (online ? this.room.connect() : this.room.disconnect())
      } finally {
        this.#switching--
        this.#onChange()
      }
    }
    this.#queue = this.#queue.then(run, run)
    return this.#queue
  }

  /** Resolves once every edit made before the call is durable. */
  flush(): Promise<void> {
    return this.room.flush()
  }

  /** Closes the room (flushing its log). */
  close(): Promise<void> {
    return this.room.close()
  }
}
