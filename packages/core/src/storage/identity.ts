/**
 * Writer identities: the peer id and Yjs clientID a store's writer uses, kept across
 * reloads, never held by two live writers at once. See {@link claimIdentity} for the rule.
 */
import type { Clock, TimerHandle } from '../clock.js'
import { GossamerError, throwIfAborted } from '../errors.js'
import { randomPeerId, type RandomSource } from '../random.js'
import type { StorageAdapter, StorageChunk, StorageOperation } from './adapter.js'
import { IdentityLostError, StorageCorruptError, StorageError } from './errors.js'
import { IDENTITY_PREFIX, identityKey, leaseKey } from './layout.js'
import { decodeIdentity, decodeLease, encodeIdentity, encodeLease, type IdentityRecord } from './records.js'

/** A claimed identity. Hold it while the document is open; `release()` when done. */
export interface Identity {
  /** The peer id to use in rooms. */
  readonly peerId: string
  /** The Yjs clientID to give the document (`doc.clientID = identity.clientID`) before any local edit. */
  readonly clientID: number
  /** The slot the identity lives in (`['gossamer', 'identity', slot]`). */
  readonly slot: string
  /** Stops renewing the lease and frees the identity for the next writer. Idempotent. */
  release(): Promise<void>
}

/** The part of the Web Locks `LockManager` used here (`navigator.locks`). */
export interface LockManagerLike {
  request(name: string, options: { ifAvailable: boolean }, callback: (lock: unknown) => Promise<void> | void): Promise<unknown>
}

/** What {@link claimIdentity} needs. */
export interface ClaimIdentityOptions {
  adapter: StorageAdapter
  clock: Clock
  random: RandomSource
  /** Lease length in ms; renewed every `leaseMs / 3`. */
  leaseMs: number
  /** Web Locks, when the platform has them. */
  locks: LockManagerLike | undefined
  /** Receives every error of the background renewal and of unreadable records. */
  report: (error: GossamerError) => void
  /** At release: true when every update written under this identity is durable (its clientID may then be reused). */
  isClean: () => boolean
  signal?: AbortSignal
}

/** The Web Locks manager of this platform (`globalThis.navigator.locks`), if any. */
export function platformLocks(): LockManagerLike | undefined {
  return (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks
}

/** Name of the Web Lock that guards `slot`. */
export const lockName = (slot: string): string => `gossamer-identity-${slot}`

/** Takes the lock `name` if nobody holds it. Resolves with its release function, or undefined. */
function tryLock(locks: LockManagerLike, name: string): Promise<(() => void) | undefined> {
  return new Promise((resolve, reject) => {
    locks
      .request(name, { ifAvailable: true }, (lock) => {
        if (lock === null || lock === undefined) {
          resolve(undefined)
          return
        }
        return new Promise<void>((unlock) => resolve(() => unlock()))
      })
      .catch(reject)
  })
}

interface Slot {
  record: IdentityRecord | undefined
  leases: Map<string, number>
}

/** Groups identity records and leases by slot, in key order. Unreadable records are reported and skipped. */
function readSlots(chunks: readonly StorageChunk[], report: (error: GossamerError) => void): Map<string, Slot> {
  const slots = new Map<string, Slot>()
  const slotOf = (name: string): Slot => {
    let slot = slots.get(name)
    if (slot === undefined) slots.set(name, (slot = { record: undefined, leases: new Map() }))
    return slot
  }
  for (const { key, data } of chunks) {
    const name = key[2]
    if (name === undefined) continue
    if (key.length === 3) {
      const record = decodeIdentity(data)
      if (record === undefined) report(new StorageCorruptError('unreadable identity record', key))
      else slotOf(name).record = record
    } else if (key.length === 5 && key[3] === 'lease') {
      const lease = decodeLease(data)
      if (lease === undefined) report(new StorageCorruptError('unreadable identity lease', key))
      else slotOf(name).leases.set(key[4] as string, lease.expiresAt)
    }
  }
  return slots
}

const freshClientID = (random: RandomSource): number => Math.floor(random.next() * 0x100000000) >>> 0

/**
 * Claims a writer identity in `adapter`. **The rule: never two live writers with one Yjs
 * clientID**, and never reuse a clientID whose writes might not all be on disk.
 *
 * - Identities live at `['gossamer', 'identity', slot]`; each claimer writes its own lease at
 *   `['gossamer', 'identity', slot, 'lease', owner]` with `expiresAt` (injected clock),
 *   renewed every `leaseMs / 3` and removed by `release()`.
 * - With Web Locks (`navigator.locks`, browsers), a slot is taken only while holding the lock
 *   `gossamer-identity-<slot>` (requested with `ifAvailable: true`, held until release). The
 *   lock, not the lease, is authoritative: a tab that died released its lock, so a reloaded
 *   tab gets its slot back at once.
 * - Without Web Locks, a slot whose leases have all expired is claimed by writing a lease and
 *   reading the slot back: the claim stands only if no other live lease is there. Of two
 *   concurrent claimers at least one sees the other, so at most one wins (both may back off).
 *   Leases compare `clock.now()` values across writers, so the clock must share an epoch
 *   between processes (a wall clock). A holder whose renewal came after expiry re-checks and
 *   reports {@link IdentityLostError} if someone else took over.
 * - The first reusable slot (key order) is taken, so a reloaded tab keeps its peer id; its
 *   clientID is kept only if the last holder released it clean (every update durable),
 *   otherwise a fresh clientID is drawn. With no reusable slot, a new slot gets a random peer
 *   id and clientID.
 */
export async function claimIdentity(options: ClaimIdentityOptions): Promise<Identity> {
  const { adapter, clock, random, leaseMs, locks, report, signal } = options
  const owner = randomPeerId(random)
  throwIfAborted(signal)
  const slots = readSlots(await adapter.loadRange(IDENTITY_PREFIX), report)

  for (const [name, slot] of slots) {
    throwIfAborted(signal)
    if (slot.record === undefined) continue
    if (locks !== undefined) {
      const unlock = await tryLock(locks, lockName(name))
      if (unlock === undefined) continue
      try {
        // The lock is ours: read the slot again (it may have changed) and take it.
        const fresh = readSlots(await adapter.loadRange(identityKey(name)), report).get(name)
        if (fresh?.record === undefined) {
          unlock()
          continue
        }
        return await take(name, fresh, unlock)
      } catch (error) {
        unlock()
        throw error
      }
    }
    const now = clock.now()
    if ([...slot.leases.values()].some((expiresAt) => expiresAt > now)) continue
    await adapter.save(leaseKey(name, owner), encodeLease({ expiresAt: now + leaseMs }))
    let after: Slot | undefined
    try {
      after = readSlots(await adapter.loadRange(identityKey(name)), report).get(name)
    } catch (error) {
      await withdraw(name)
      throw error
    }
    const then = clock.now()
    const contested = [...(after?.leases ?? [])].some(([other, expiresAt]) => other !== owner && expiresAt > then)
    if (contested || after?.record === undefined) {
      await adapter.remove(leaseKey(name, owner))
      continue
    }
    return await take(name, after, undefined)
  }

  // No reusable slot: a new one, named after its fresh peer id.
  for (;;) {
    throwIfAborted(signal)
    const peerId = randomPeerId(random)
    let unlock: (() => void) | undefined
    if (locks !== undefined) {
      unlock = await tryLock(locks, lockName(peerId))
      if (unlock === undefined) continue
    }
    try {
      return await take(peerId, { record: { peerId, clientID: freshClientID(random), clean: true }, leases: new Map() }, unlock)
    } catch (error) {
      unlock?.()
      throw error
    }
  }

  /** Removes the lease this claim wrote on `name` (after a failed step); a failure is reported, the lease then expires. */
  async function withdraw(name: string): Promise<void> {
    try {
      await adapter.remove(leaseKey(name, owner))
    } catch (error) {
      report(new StorageError('could not remove the lease of a failed claim; it expires by itself', 'identity', { cause: error }))
    }
  }

  /**
   * Writes our lease and the (now dirty) record, drops the slot's other leases and every
   * expired lease of other slots (left by writers that died: reclaimed here), and starts renewing.
   */
  async function take(name: string, slot: Slot, unlock: (() => void) | undefined): Promise<Identity> {
    const record = slot.record as IdentityRecord
    const clientID = record.clean ? record.clientID : freshClientID(random)
    const now = clock.now()
    let expiresAt = now + leaseMs
    const operations: StorageOperation[] = [...slot.leases.keys()]
      .filter((other) => other !== owner)
      .map((other) => ({ type: 'remove', key: leaseKey(name, other) }))
    for (const [otherName, other] of slots) {
      if (otherName === name) continue
      for (const [holder, until] of other.leases) if (until <= now) operations.push({ type: 'remove', key: leaseKey(otherName, holder) })
    }
    operations.push(
      { type: 'save', key: leaseKey(name, owner), data: encodeLease({ expiresAt }) },
      { type: 'save', key: identityKey(name), data: encodeIdentity({ peerId: record.peerId, clientID, clean: false }) },
    )
    await adapter.batch(operations)

    let timer: TimerHandle | undefined
    let renewing: Promise<void> | undefined
    let released = false
    let lost = false
    const renew = async (): Promise<void> => {
      const now = clock.now()
      const lapsed = locks === undefined && now >= expiresAt
      try {
        expiresAt = now + leaseMs
        await adapter.save(leaseKey(name, owner), encodeLease({ expiresAt }))
        if (lapsed) {
          // Someone may have claimed the slot meanwhile: the same write-then-read check as a claim.
          const current = readSlots(await adapter.loadRange(identityKey(name)), report).get(name)
          const then = clock.now()
          if ([...(current?.leases ?? [])].some(([other, until]) => other !== owner && until > then)) {
            lost = true
            await adapter.remove(leaseKey(name, owner))
            report(new IdentityLostError(`the lease on identity ${record.peerId} lapsed and another writer took it`, record.peerId))
          }
        }
      } catch (error) {
        report(new StorageError('could not renew the identity lease', 'identity', { cause: error }))
      }
    }
    const schedule = (): void => {
      timer = clock.setTimeout(() => {
        timer = undefined
        if (released) return
        renewing = renew().finally(() => {
          renewing = undefined
          if (!released && !lost) schedule()
        })
      }, Math.max(1, Math.floor(leaseMs / 3)))
    }
    schedule()

    return {
      peerId: record.peerId,
      clientID,
      slot: name,
      async release() {
        if (released) return
        released = true
        if (timer !== undefined) clock.clearTimeout(timer)
        await renewing
        try {
          const ops: StorageOperation[] = [{ type: 'remove', key: leaseKey(name, owner) }]
          if (!lost) {
            const clean = options.isClean()
            ops.push({ type: 'save', key: identityKey(name), data: encodeIdentity({ peerId: record.peerId, clientID, clean }) })
          }
          await adapter.batch(ops)
        } finally {
          unlock?.()
        }
      },
    }
  }
}
