/**
 * The identities one `DocStore` holds: every claim is tracked from its first adapter call to
 * its release, so `close()` frees every lease on every path, including a claim still in
 * flight when the store closes (it is released the moment it lands, and `close()` waits for
 * that).
 */
import { throwIfAborted } from '../errors.js'
import { StorageClosedError, storageError } from './errors.js'
import { claimIdentity, type ClaimIdentityOptions, type Identity } from './identity.js'

/** What an {@link IdentityHolder} claims with: everything of `claimIdentity` but the signal. */
export type IdentityHolderOptions = Omit<ClaimIdentityOptions, 'signal'>

/** Claims identities for one store and releases all of them at close. */
export class IdentityHolder {
  readonly #options: IdentityHolderOptions
  readonly #held = new Set<Identity>()
  readonly #claims = new Set<Promise<unknown>>()
  #closing = false

  constructor(options: IdentityHolderOptions) {
    this.#options = options
  }

  /**
   * Claims an identity (see `claimIdentity`). Rejects with `StorageClosedError` once
   * {@link releaseAll} has started, even when the claim itself landed: it is released first.
   */
  claim(signal?: AbortSignal): Promise<Identity> {
    if (this.#closing) return Promise.reject(new StorageClosedError('the store is closed'))
    try {
      throwIfAborted(signal)
    } catch (error) {
      return Promise.reject(error)
    }
    const task = this.#claim(signal)
    this.#claims.add(task)
    const forget = (): void => void this.#claims.delete(task)
    task.then(forget, forget)
    return task
  }

  /** Refuses new claims from now on; a claim in flight is released as soon as it lands and rejects. */
  stop(): void {
    this.#closing = true
  }

  /** {@link stop}s, waits for the claims in flight (each releases itself), and releases every identity held. */
  async releaseAll(): Promise<void> {
    this.stop()
    await Promise.allSettled([...this.#claims])
    for (const identity of [...this.#held]) {
      try {
        await identity.release()
      } catch (error) {
        this.#options.report(storageError(error, 'identity', 'could not release the identity'))
      }
    }
  }

  async #claim(signal: AbortSignal | undefined): Promise<Identity> {
    let identity: Identity
    try {
      identity = await claimIdentity({ ...this.#options, ...(signal === undefined ? {} : { signal }) })
    } catch (error) {
      throw storageError(error, 'identity', 'could not claim an identity')
    }
    if (this.#closing) {
      try {
        await identity.release()
      } catch (error) {
        this.#options.report(storageError(error, 'identity', 'could not release the identity'))
      }
      throw new StorageClosedError('the store closed while an identity was being claimed; it was released')
    }
    const tracked: Identity = {
      peerId: identity.peerId,
      clientID: identity.clientID,
      slot: identity.slot,
      release: async () => {
        this.#held.delete(tracked)
        try {
          await identity.release()
        } catch (error) {
          throw storageError(error, 'identity', 'could not release the identity')
        }
      },
    }
    this.#held.add(tracked)
    return tracked
  }
}
