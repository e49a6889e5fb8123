/**
 * The secure channel of one session in a room with a secret: its key generation, its
 * sealer and opener, and two ordered, bounded queues. Sealing and opening are async
 * (WebCrypto), so every frame sent goes through an ordered send queue (sealed eagerly,
 * transmitted in order) and every message received through an ordered receive queue (one
 * step at a time, so frames reach the room in order and a rekey switches keys exactly
 * between two frames). A peer that sends faster than this side can open, or a room that
 * produces faster than it can seal, goes over a bound and the session is cut off.
 */
import type { RoomKeys } from '../crypto/room-keys.js'
import { frameAssociatedData } from '../crypto/frame-ad.js'
import type { FrameOpener } from '../crypto/frame-opener.js'
import type { FrameSealer } from '../crypto/frame-sealer.js'
import type { SessionKeys } from '../crypto/session-keys.js'
import { SessionOverflowError } from '../errors.js'
import { encodeFrame } from '../protocol/codec.js'
import { FrameType, LIMITS } from '../protocol/messages.js'
import type { PeerId } from '../transport.js'

/** Bounds of each queue of a channel. */
export interface ChannelLimits {
  /** Most frames waiting. */
  frames: number
  /** Most bytes waiting. */
  bytes: number
}

/** Default bounds: room for one frame of the largest update, and thousands of small ones. */
export const CHANNEL_LIMITS: ChannelLimits = { frames: 4096, bytes: LIMITS.updateBytes + 16 * 1024 * 1024 }

/** What a channel needs from its session. */
export interface ChannelInit {
  room: string
  local: PeerId
  remote: PeerId
  limits?: ChannelLimits
  /** Puts bytes on the connection (and counts them). */
  transmit(bytes: Uint8Array): void
  /** Something failed in a queue (a seal, a step, an overflow): the session must close. */
  fail(error: Error): void
}

/** Where the channel is: authenticating, sealed, or done. */
export type ChannelPhase = 'auth' | 'sealed' | 'closed'

/** The secure channel of one session. Internal. */
export class SecureChannel {
  readonly #init: ChannelInit
  readonly #limits: ChannelLimits
  phase: ChannelPhase = 'auth'
  /** The key generation of the session keys (set once authenticated, changed by a rekey). */
  keys: RoomKeys | undefined
  /** The transcript hash the current session keys are bound to. */
  transcriptHash: Uint8Array = new Uint8Array(0)
  /** The negotiated protocol version (set once authenticated). */
  version = 0
  #sealer: Promise<FrameSealer> | undefined
  #opener: FrameOpener | undefined
  #sendTail: Promise<void> = Promise.resolve()
  #receiveTail: Promise<void> = Promise.resolve()
  readonly #sending = { frames: 0, bytes: 0 }
  readonly #receiving = { frames: 0, bytes: 0 }
  /** No new frame may be sent (the session is closing: what is queued still goes out). */
  #ending = false

  constructor(init: ChannelInit) {
    this.#init = init
    this.#limits = init.limits ?? CHANNEL_LIMITS
  }

  /** Frames waiting in the receive queue. */
  get backlog(): number {
    return this.#receiving.frames
  }

  /**
   * Queues `data` for `step`, run after every earlier step finished. Returns false (and
   * fails the channel) when the queue is over its bound.
   */
  receive(data: Uint8Array, step: (data: Uint8Array) => Promise<void>): boolean {
    if (this.phase === 'closed') return false
    if (this.#receiving.frames + 1 > this.#limits.frames || this.#receiving.bytes + data.byteLength > this.#limits.bytes) {
      this.#init.fail(new SessionOverflowError('inbound', `more than ${this.#limits.frames} frames or ${this.#limits.bytes} bytes wait to be opened`, this.#init.remote))
      return false
    }
    this.#receiving.frames++
    this.#receiving.bytes += data.byteLength
    const size = data.byteLength
    this.#receiveTail = this.#receiveTail
      .then(() => (this.phase === 'closed' ? undefined : step(data)))
      .catch((error: unknown) => {
        if (this.phase !== 'closed') this.#init.fail(asError(error))
      })
      .finally(() => {
        this.#receiving.frames--
        this.#receiving.bytes -= size
      })
    return true
  }

  /** Runs a local step (a rekey started here) in the receive queue, after every frame queued before it. */
  run(step: () => Promise<void>): void {
    if (this.phase === 'closed') return
    this.#receiveTail = this.#receiveTail
      .then(() => (this.phase === 'closed' ? undefined : step()))
      .catch((error: unknown) => {
        if (this.phase !== 'closed') this.#init.fail(asError(error))
      })
  }

  /** Sends an encoded frame in the clear (the handshake's), after everything queued before it. */
  sendPlain(bytes: Uint8Array): void {
    this.#enqueue(bytes, Promise.resolve(bytes))
  }

  /** Seals an encoded frame with the current sealer and sends it after everything queued before it. */
  sendSealed(bytes: Uint8Array): void {
    const sealer = this.#sealer
    if (sealer === undefined) {
      this.#init.fail(new Error('a frame was sealed before the session had keys'))
      return
    }
    const ad = (sequence: number): Uint8Array => frameAssociatedData({ version: this.version, room: this.#init.room, sender: this.#init.local, sequence })
    const sealed = sealer.then((s) => s.seal(bytes, ad)).then((body) => encodeFrame({ type: FrameType.Sealed, room: '', sealed: body }))
    this.#enqueue(bytes, sealed)
  }

  #enqueue(plain: Uint8Array, out: Promise<Uint8Array>): void {
    if (this.phase === 'closed' || this.#ending) return
    out.catch(() => undefined) // failures are handled in order, below
    if (this.#sending.frames + 1 > this.#limits.frames || this.#sending.bytes + plain.byteLength > this.#limits.bytes) {
      this.#init.fail(new SessionOverflowError('outbound', `more than ${this.#limits.frames} frames or ${this.#limits.bytes} bytes wait to be sealed`, this.#init.remote))
      return
    }
    this.#sending.frames++
    this.#sending.bytes += plain.byteLength
    const size = plain.byteLength
    this.#sendTail = this.#sendTail
      .then(() => out)
      .then(
        (bytes) => {
          if (this.phase !== 'closed') this.#init.transmit(bytes)
        },
        (error: unknown) => {
          if (this.phase !== 'closed') this.#init.fail(asError(error))
        },
      )
      .finally(() => {
        this.#sending.frames--
        this.#sending.bytes -= size
      })
  }

  /** Sets up the session keys of an authenticated handshake: from now on every frame is sealed. */
  install(keys: RoomKeys, session: SessionKeys, version: number): void {
    this.keys = keys
    this.version = version
    this.transcriptHash = session.transcriptHash
    this.#sealer = Promise.resolve(session.sealer)
    this.#opener = session.opener
    this.phase = 'sealed'
  }

  /** Frames sent from now on are sealed with `sealer` (a rekey: the last old frame is queued). */
  switchSealer(sealer: Promise<FrameSealer>): void {
    sealer.catch(() => undefined) // a failed derivation fails the first seal, in order
    this.#sealer = sealer
  }

  /** Frames received from now on are opened with `opener`, under key generation `keys`. */
  switchOpener(opener: FrameOpener, keys: RoomKeys, transcriptHash: Uint8Array): void {
    this.#opener = opener
    this.keys = keys
    this.transcriptHash = transcriptHash
  }

  /** Opens the body of a Sealed frame from the remote peer. Rejects with the crypto layer's typed errors. */
  open(sealed: Uint8Array): Promise<Uint8Array> {
    const opener = this.#opener
    if (opener === undefined) return Promise.reject(new Error('a frame was opened before the session had keys'))
    return opener.open(sealed, (sequence) => frameAssociatedData({ version: this.version, room: this.#init.room, sender: this.#init.remote, sequence }))
  }

  /** Accepts no more frames to send; resolves once what is queued went out. */
  end(): Promise<void> {
    this.#ending = true
    return this.#sendTail
  }

  /** Stops at once: nothing queued is sent or processed any more. */
  close(): void {
    this.phase = 'closed'
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
