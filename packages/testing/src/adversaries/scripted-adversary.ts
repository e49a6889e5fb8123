/**
 * A scripted adversary: a {@link HostilePeer} that joins a room and then runs a script on
 * the room's clock, one step per tick, for as long as the room keeps it connected. When the
 * room cuts it off it tries to come back every `retryMs` (counting refusals), as a real
 * attacker would. The adversaries of this folder (flooder, oversizer, awareness spammer)
 * are scripts for it; a test can write its own.
 */
import type { PeerId, TimerHandle } from '@gossamer/core'
import { HostilePeer, type HostilePeerInit } from './hostile-peer.js'

/** Options of every scripted adversary. */
export interface AdversaryInit extends HostilePeerInit {
  /** The room peer it attacks. */
  target: PeerId
  /** How often its script steps, in ms. Default 10. */
  tickMs?: number
  /** How often it tries to rejoin after being cut off, in ms. Default 1,000. */
  retryMs?: number
}

/** One step of a script: what to send now (tick counts steps since the start). */
export type AdversaryStep = (peer: HostilePeer, tick: number) => void

/** A running adversary. */
export interface Adversary {
  /** What it is (e.g. `flooder`). */
  readonly name: string
  /** Its body: counters, and raw access. */
  readonly peer: HostilePeer
  /** Joins the target and starts the script; resolves once the first join settled (true: welcomed). */
  start(): Promise<boolean>
  /** Stops the script and leaves. */
  stop(): Promise<void>
}

/** An adversary that runs `step` every tick while connected, and rejoins when cut off. */
export class ScriptedAdversary implements Adversary {
  readonly name: string
  readonly peer: HostilePeer
  readonly #init: AdversaryInit
  readonly #step: AdversaryStep
  #tick = 0
  #timer: TimerHandle | undefined
  #stopped = false
  #joining = false
  #nextJoinAt = 0

  constructor(name: string, init: AdversaryInit, step: AdversaryStep) {
    this.name = name
    this.#init = init
    this.#step = step
    this.peer = new HostilePeer(init)
  }

  async start(): Promise<boolean> {
    const joined = await this.#join()
    this.#schedule()
    return joined
  }

  async #join(): Promise<boolean> {
    this.#joining = true
    try {
      return await this.peer.join(this.#init.target)
    } finally {
      this.#joining = false
      this.#nextJoinAt = this.#init.clock.now() + (this.#init.retryMs ?? 1000)
    }
  }

  #schedule(): void {
    if (this.#stopped) return
    this.#timer = this.#init.clock.setTimeout(() => this.#run(), this.#init.tickMs ?? 10)
  }

  #run(): void {
    if (this.#stopped) return
    if (this.peer.open) this.#step(this.peer, this.#tick++)
    else if (!this.#joining && this.#init.clock.now() >= this.#nextJoinAt) void this.#join()
    this.#schedule()
  }

  async stop(): Promise<void> {
    this.#stopped = true
    if (this.#timer !== undefined) this.#init.clock.clearTimeout(this.#timer)
    await this.peer.stop()
  }
}
