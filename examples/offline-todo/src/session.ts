/**
 * The page's connection to its room, and the online/offline switch. Online, the room uses
 * BroadcastChannel (tabs of this browser) and WebRTC (everyone else); offline, it has no
 * transport at all, and edits only reach IndexedDB. Switching replaces the room (a room's
 * transports are fixed) while keeping the same Y.Doc and storage adapter.
 */
import { broadcastChannel, createRoom, type ErrorEvent, type Room, type StorageAdapter, type Transport } from '@gossamer/core'
import { webrtc, type WebRTCTransport } from '@gossamer/webrtc'
import type * as Y from 'yjs'

/** What the network badge shows. */
export type NetworkState = 'online' | 'connecting' | 'offline'

/** Options of {@link TodoSession}. */
export interface SessionInit {
  /** Room name. */
  name: string
  doc: Y.Doc
  /** Kept across switches: every room of the session logs into it. */
  storage: StorageAdapter
  /** Signaling server URLs for WebRTC. */
  signaling: string[]
  /** Start online? */
  online: boolean
  /** Something the status badges show changed (peers, sync, rooms). */
  onChange: () => void
  /** A room reported an error. */
  onError: (event: ErrorEvent) => void
}

/** A fresh random Yjs clientID (what Y.Doc draws too). */
const freshClientID = (): number => crypto.getRandomValues(new Uint32Array(1))[0] as number

/**
 * One page's room, replaced on every online/offline switch.
 *
 * A switch opens the new room BEFORE closing the old one and closes the old one only once
 * the new one has loaded: a room logs updates only after its load, so at every moment some
 * room logs the page's edits into storage. The old room's `close()` flushes its log.
 */
export class TodoSession {
  readonly #init: SessionInit
  readonly #live = new Set<Room>()
  #room: Room
  #rtc: WebRTCTransport | undefined
  #online: boolean
  #switching = 0
  #queue: Promise<void> = Promise.resolve()
  #closed = false

  constructor(init: SessionInit) {
    this.#init = init
    this.#online = init.online
    this.#room = this.#open(init.online)
  }

  /** The current room. */
  get room(): Room {
    return this.#room
  }

  /** True when the page wants to be online (its room has transports). */
  get online(): boolean {
    return this.#online
  }

  /** True while a switch is in progress. */
  get switching(): boolean {
    return this.#switching > 0
  }

  /** The network badge: offline by choice, online once a signaling server welcomed us, connecting before. */
  network(): { state: NetworkState; neighbours: number } {
    const neighbours = this.#room.closed ? 0 : this.#room.neighbours().length
    if (!this.#online) return { state: 'offline', neighbours }
    return { state: this.#rtc?.signalingReady() === true ? 'online' : 'connecting', neighbours }
  }

  /** Resolves once the current room has loaded the stored list (following switches made meanwhile). */
  async whenLoaded(): Promise<void> {
    for (;;) {
      const room = this.#room
      try {
        await room.whenLoaded()
        return
      } catch (error) {
        // A room closed while it loaded: fine if a switch replaced it.
        if (this.#room === room) throw error
      }
    }
  }

  /**
   * Goes online (a room with BroadcastChannel + WebRTC) or offline (a room without
   * transports, on the same document and storage). Resolves once the switch is complete;
   * switches run one at a time, in call order.
   */
  setOnline(online: boolean): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.#closed || online === this.#online) return
      this.#online = online
      this.#switching++
      this.#init.onChange()
      try {
        await this.#swap(online)
      } finally {
        this.#switching--
        this.#init.onChange()
      }
    }
    this.#queue = this.#queue.then(run, run)
    return this.#queue
  }

  /** Resolves once every edit made before the call is durable, whichever room logged it. */
  async flush(): Promise<void> {
    await Promise.all([...this.#live].map((room) => room.flush()))
  }

  /** Closes every room (flushing its log). */
  async close(): Promise<void> {
    this.#closed = true
    await Promise.all([...this.#live].map((room) => this.#close(room)))
  }

  async #swap(online: boolean): Promise<void> {
    const old = this.#room
    // The old room's identity (its lease on a Yjs clientID) is released when it closes, and
    // another tab may claim it at once. So the document stops writing with that clientID
    // now: with a clientID it never wrote with, the new room gives the document the
    // clientID of the identity it claims.
    this.#init.doc.clientID = freshClientID()
    const next = this.#open(online)
    this.#room = next
    this.#init.onChange()
    try {
      await next.whenLoaded()
    } finally {
      await this.#close(old)
    }
  }

  #open(online: boolean): Room {
    const transports: Transport[] = []
    let rtc: WebRTCTransport | undefined
    if (online) {
      rtc = webrtc({ signaling: this.#init.signaling, iceServers: [] })
      transports.push(broadcastChannel(), rtc)
    }
    const { name, doc, storage, onChange, onError } = this.#init
    const room = createRoom({ name, doc, transports, storage })
    this.#rtc = rtc
    this.#live.add(room)
    room.on('peer:join', onChange)
    room.on('peer:leave', onChange)
    room.on('synced', onChange)
    room.on('storage:loaded', onChange)
    room.on('error', onError)
    return room
  }

  async #close(room: Room): Promise<void> {
    try {
      await room.close()
    } catch (error) {
      this.#init.onError({ error: error instanceof Error ? error : new Error(String(error)) })
    } finally {
      this.#live.delete(room)
      this.#init.onChange()
    }
  }
}
