/**
 * How a remote Yjs update enters an open room's document, at a bounded cost: scanned
 * against the room's limits (update-scan.ts), checked for what it builds on
 * (update-readiness.ts) and held back in a bounded, expiring queue until that is there
 * (held-updates.ts), checked for nesting depth (nesting-depth.ts), and only then applied,
 * whole, in one transaction. An update that goes over a limit or is malformed is refused
 * with a typed error before Yjs reads it; nothing ever becomes Yjs pending data.
 */
import * as Y from 'yjs'
import type { Clock, TimerHandle } from '../clock.js'
import type { ApplyResult } from '../content.js'
import { LimitExceededError, PendingDroppedError, UpdateRejectedError } from '../errors.js'
import type { RoomStats } from '../room-stats.js'
import type { PeerId } from '../transport.js'
import type { ContentLimits } from './content-limits.js'
import { HeldUpdates, type Dropped } from './held-updates.js'
import { checkNestingDepth } from './nesting-depth.js'
import { needsMet, readiness } from './update-readiness.js'
import { scanUpdate } from './update-scan.js'

/** Held updates released (applied) per step; more wait for the next timer turn. */
const RELEASE_PER_STEP = 8

/** What an intake needs from its room. */
export interface UpdateIntakeInit {
  doc: Y.Doc
  /** Transaction origin of remote updates. */
  origin: unknown
  limits: ContentLimits
  clock: Clock
  /** The room's counters: this intake writes `limitRejections`, `updatesHeld` and `pendingDropped`. */
  stats?: RoomStats
  report?(error: Error, peer?: PeerId): void
  /** A held update from `from` was applied later and changed the document. */
  released?(update: Uint8Array, from: PeerId): void
}

/** The intake of one open room. Internal. */
export class UpdateIntake {
  readonly #init: UpdateIntakeInit
  readonly #held: HeldUpdates
  #timer: TimerHandle | undefined
  #stopped = false

  constructor(init: UpdateIntakeInit) {
    this.#init = init
    this.#held = new HeldUpdates(init.limits)
  }

  /** Updates held back now. */
  get held(): number {
    return this.#held.size
  }

  #state = (client: number): number => Y.getState(this.#init.doc.store, client)

  /** Checks and applies `update` from `from`; `changed` tells whether the document took something. */
  apply(update: Uint8Array, from: PeerId): ApplyResult {
    this.#dropped(this.#held.expire(this.#init.clock.now()))
    const checked = this.#check(update)
    if (!checked.ok) return checked
    if (!checked.ready) {
      if (this.#init.stats !== undefined) this.#init.stats.updatesHeld++
      this.#dropped(this.#held.hold({ update, from, needs: checked.needs, since: this.#init.clock.now() }))
      this.#schedule()
      return { ok: true, changed: false, held: true }
    }
    const result = this.#applyNow(update)
    if (result.ok && result.changed && this.#held.size > 0) this.#release()
    return result
  }

  /** Scan, readiness and depth: ready to apply, to hold (with what it needs), or refused. */
  #check(update: Uint8Array): { ok: true; ready: true } | { ok: true; ready: false; needs: Map<number, number> } | { ok: false; error: Error } {
    try {
      const scan = scanUpdate(update, this.#init.limits)
      const ready = readiness(scan, this.#state)
      if (!ready.ready) return { ok: true, ready: false, needs: ready.needs }
      checkNestingDepth(scan, this.#init.doc, this.#init.limits.depth)
      return { ok: true, ready: true }
    } catch (error) {
      if (error instanceof LimitExceededError && this.#init.stats !== undefined) this.#init.stats.limitRejections++
      const typed = error instanceof UpdateRejectedError ? error : new UpdateRejectedError('update is not a well-formed Yjs V1 update', { cause: error })
      return { ok: false, error: typed }
    }
  }

  #applyNow(update: Uint8Array): ApplyResult {
    const { doc, origin } = this.#init
    let changed = false
    const onUpdate = (): void => {
      changed = true
    }
    doc.on('update', onUpdate)
    try {
      Y.applyUpdate(doc, update, origin)
    } catch (cause) {
      return { ok: false, error: new UpdateRejectedError('Yjs refused the update', { cause }) }
    } finally {
      doc.off('update', onUpdate)
      this.#noPending()
    }
    return { ok: true, changed }
  }

  /**
   * Yjs must hold no pending data after an update that was checked ready. Should it anyway
   * (a reference form the checks do not know), it is dropped and reported, so it can
   * never tax later frames; anti-entropy brings the content again.
   */
  #noPending(): void {
    const store = this.#init.doc.store
    if (store.pendingStructs === null && store.pendingDs === null) return
    store.pendingStructs = null
    store.pendingDs = null
    if (this.#init.stats !== undefined) this.#init.stats.pendingDropped++
    this.#init.report?.(new PendingDroppedError('Yjs kept pending data from an update checked ready; dropped', 'overflow'))
  }

  /** Applies held updates whose needs are met, a few at a time. */
  #release(): void {
    let budget = RELEASE_PER_STEP
    for (;;) {
      const ready = this.#held.take((needs) => needsMet(needs, this.#state))
      if (ready.length === 0) return
      for (const [i, held] of ready.entries()) {
        if (budget-- <= 0) {
          // Put the rest back (their hold time unchanged) and continue on the next turn.
          for (const rest of ready.slice(i)) this.#dropped(this.#held.hold(rest))
          this.#schedule(0)
          return
        }
        const checked = this.#check(held.update)
        if (!checked.ok) {
          this.#init.report?.(checked.error, held.from)
          continue
        }
        if (!checked.ready) {
          this.#dropped(this.#held.hold({ ...held, needs: checked.needs }))
          continue
        }
        const result = this.#applyNow(held.update)
        if (!result.ok) this.#init.report?.(result.error, held.from)
        else if (result.changed) this.#init.released?.(held.update, held.from)
      }
    }
  }

  /** Counts and reports dropped updates. */
  #dropped(dropped: readonly Dropped[]): void {
    for (const { held, reason } of dropped) {
      if (this.#init.stats !== undefined) this.#init.stats.pendingDropped++
      const why = reason === 'expired' ? `what it builds on did not arrive within ${this.#init.limits.pendingMs} ms` : 'over the bounds of held updates'
      this.#init.report?.(new PendingDroppedError(`an update held back from ${held.from} was dropped: ${why}`, reason), held.from)
    }
  }

  /** Wakes up to release more (delay 0) or to expire what is held. */
  #schedule(delay?: number): void {
    if (this.#stopped || this.#held.size === 0) return
    if (this.#timer !== undefined) {
      if (delay !== 0) return
      this.#init.clock.clearTimeout(this.#timer)
    }
    this.#timer = this.#init.clock.setTimeout(() => {
      this.#timer = undefined
      this.#dropped(this.#held.expire(this.#init.clock.now()))
      this.#release()
      this.#schedule()
    }, delay ?? this.#init.limits.pendingMs)
  }

  /** Drops everything held and stops the timer. */
  destroy(): void {
    this.#stopped = true
    if (this.#timer !== undefined) this.#init.clock.clearTimeout(this.#timer)
    this.#timer = undefined
    this.#held.clear()
  }
}
