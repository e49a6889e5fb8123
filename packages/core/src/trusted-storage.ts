/**
 * The storage side of a room with a secret (used by {@link Persistence}):
 *
 * - **Chains on disk.** Every run of entries that joins a chain (ours and other authors')
 *   is stored beside the document log, in the same write (storage/chain-log.ts); a local
 *   edit is stored once its entry joined our chain, in the same write as that entry. On
 *   open, the chains are rebuilt and checked (trust/chain-restore.ts), so the room serves
 *   what it loaded and continues its own chain.
 * - **A persisted identity.** The room claims an identity slot (leases, like an open room)
 *   and keeps its Ed25519 seed there, sealed with the storage key, with a clean flag of its
 *   own. On open, a key released clean, whose chain covers all of its content in the
 *   document, is adopted, but only when no local edit happened before (see {@link adopt});
 *   otherwise the fresh identity chosen at `createRoom` is stored in the slot, replacing
 *   whatever key was there. A key released dirty never signs again.
 * - **Encryption at rest** (`encryptStorage`): the adapter seals every blob of the room
 *   (storage/sealed-storage.ts); without it, only identity keys are sealed.
 */
import * as Y from 'yjs'
import { importIdentity, type IdentityKeyPair, type StoredIdentityKey } from './crypto/identity-keys.js'
import type { GossamerError } from './errors.js'
import type { RandomSource } from './random.js'
import { randomPeerId } from './random.js'
import type { StorageAdapter } from './storage/adapter.js'
import { ChainLog } from './storage/chain-log.js'
import type { StoredRun } from './storage/chain-record.js'
import type { DocStore } from './storage/doc-store.js'
import { StorageCorruptError, UnsignedContentError } from './storage/errors.js'
import type { Identity } from './storage/identity.js'
import type { RoomLayout } from './storage/layout.js'
import { sealedStorage, type SealedStorage } from './storage/sealed-storage.js'
import type { RoomKeys } from './crypto/room-keys.js'
import { decodeSlotKey, encodeSlotKey, type SlotKeyRecord } from './storage/slot-key.js'
import { peerIdFromPublicKey } from './crypto/peer-id.js'
import { clientIdOf } from './trust/client-id.js'
import type { RoomTrust } from './trust/room-trust.js'
import type { SignedReplica } from './trust/signed-replica.js'

/** What {@link TrustedStorage} needs. */
export interface TrustedStorageInit {
  trust: RoomTrust
  /** Seal every blob of the room, not only identity keys. */
  encrypt: boolean
  layout: RoomLayout
  random: RandomSource
  /** Compaction threshold of the stored chains, in bytes. */
  compactBytes: number
  report(error: GossamerError): void
}

/** The storage side of one room with a secret. Internal. */
export class TrustedStorage {
  readonly #init: TrustedStorageInit
  readonly chainLog: ChainLog
  #store: DocStore | undefined
  #replica: SignedReplica | undefined
  /** Local edits kept before the load succeeded (nothing is written before: a wrong secret must leave the store as it was). */
  #held: Uint8Array[] | undefined = []
  /** The slot and the identity stored in it, once written. */
  #slot: { name: string; identity: SlotKeyRecord['identity'] } | undefined
  #sealed: SealedStorage | undefined

  constructor(init: TrustedStorageInit) {
    this.#init = init
    this.chainLog = new ChainLog({
      layout: init.layout,
      writerId: randomPeerId(init.random),
      compactBytes: init.compactBytes,
      note: (count) => this.#store?.noteSide(count),
      batch: (operations) => this.#storeOrThrow().exclusive((adapter) => adapter.batch(operations)),
      report: init.report,
    })
  }

  /** The adapter the room's store uses: sealing identity keys always, and every room blob with `encrypt`. */
  wrap(adapter: StorageAdapter): StorageAdapter {
    const { trust, layout, encrypt } = this.#init
    this.#sealed = sealedStorage(adapter, { keys: () => [trust.keys, ...trust.previousKeys], seals: encrypt ? layout.owns : layout.isSlotKey })
    return this.#sealed
  }

  /**
   * The room moved to a new key generation (`rotateSecret`; `ring`: the new one first, then
   * those it replaces): every sealed blob of the room is sealed again under the new one, in
   * one atomic batch, so the store opens with the new secret only.
   */
  async rekey(ring: readonly RoomKeys[]): Promise<void> {
    await this.#sealed?.reseal(this.#init.layout.root, ring)
  }

  /** Binds the store (once, after it is made with {@link chainLog} as its side records). */
  bind(store: DocStore): void {
    this.#store = store
  }

  /** Binds the signed replica (at createRoom): its chains are stored from their first entry. */
  attach(replica: SignedReplica): void {
    this.#replica = replica
    const chains = replica.chains
    chains.onAppend = (chain, from, entries, signature, cut) =>
      this.chainLog.add({ author: chain.author, clientId: chain.clientId, from, entries: entries.map((e) => e.bytes), signature }, cut)
    // A compaction writes each chain in runs that end at its split points, so their signatures survive a restart.
    this.chainLog.source = function* (): Iterable<StoredRun> {
      for (const chain of chains.all()) {
        let from = 1
        for (const { seq, signature } of [...chain.marks, { seq: chain.entries.length, signature: chain.signature }]) {
          if (seq < from) continue
          yield { author: chain.author, clientId: chain.clientId, from, entries: chain.entries.slice(from - 1, seq).map((e) => e.bytes), signature }
          from = seq + 1
        }
      }
    }
  }

  /** Whether the document log leaves an update of this origin to {@link keepLocal} (local edits, stored once signed). */
  isLocal(origin: unknown, room: unknown): boolean {
    return this.#replica !== undefined && origin !== room
  }

  /** A local edit, once its entry joined our chain (or known to stay unsigned). */
  keepLocal(update: Uint8Array): void {
    if (this.#held !== undefined) this.#held.push(update)
    else this.#store?.append(update, { fromDoc: true })
  }

  /** Holds back signing while chains load; returns the function that resumes it (see `SignedReplica.pause`). */
  pause(): () => void {
    return this.#replica?.pause() ?? (() => undefined)
  }

  /**
   * The load succeeded (or failed for another reason than a wrong secret): what waited is
   * written from now on (`before`: the document's content before the load). Idempotent.
   */
  start(before: Uint8Array | undefined): void {
    const held = this.#held
    if (held === undefined) return
    this.#held = undefined
    const store = this.#storeOrThrow()
    if (before !== undefined) store.append(before, { fromDoc: true })
    for (const update of held) store.append(update, { fromDoc: true })
    this.chainLog.start()
  }

  /**
   * Gives `doc` the trust's clientID again: Yjs draws a random one when a remote (or loaded)
   * update carries structs of the document's own clientID, which loading our own stored
   * content does.
   */
  ownClientId(doc: Y.Doc): void {
    doc.clientID = this.#init.trust.clientId
  }

  /** Rebuilds the chains from the records `load()` kept; reports what did not check out and content no chain carries. */
  async restore(kept: readonly { key: readonly string[]; data: Uint8Array }[], doc: Y.Doc): Promise<void> {
    const replica = this.#replica
    if (replica === undefined) return
    const { layout } = this.#init
    const { runs, corrupt } = this.chainLog.loaded(kept.filter((chunk) => layout.isChain(chunk.key)))
    if (corrupt.length > 0) await this.#storeOrThrow().quarantine(corrupt)
    const restored = await replica.restore(runs, doc)
    // Chains of authors that may not write (now) are not loaded: their records stay as they are.
    this.chainLog.restored(new Set(runs.filter((run) => !this.#init.trust.mayWrite(peerIdFromPublicKey(run.author))).map((run) => run.clientId)))
    for (const problem of restored.problems) {
      this.#init.report(new StorageCorruptError(`stored chain of ${problem.author}: ${problem.reason}`, [...layout.chainPrefix, String(problem.clientId)], { cause: problem.cause }))
    }
    // Our own content may still be signing (edits made before the load): it is not counted.
    const unchained = new Map([...restored.unchained].filter(([client]) => client !== replica.own.clientId))
    if (unchained.size > 0) {
      const units = [...unchained.values()].reduce((a, b) => a + b, 0)
      this.#init.report(new UnsignedContentError(`the stored document holds content of ${unchained.size} client(s) (${units} clock units) that no signed chain carries: it stays on this peer`, unchained))
    }
  }

  /**
   * Decides this peer's identity once the slot `claimed` is held: adopts the key stored
   * there for this room when it was released clean, its chain covers its content in `doc`,
   * and no local edit happened yet; otherwise stores the current identity in the slot.
   * Either way the slot's key is marked dirty until a clean {@link release}. Returns true
   * when it adopted (the caller moves presence along).
   */
  async settleIdentity(claimed: Identity, doc: Y.Doc): Promise<boolean> {
    const { trust, layout } = this.#init
    const store = this.#storeOrThrow()
    const key = layout.slotKey(claimed.slot)
    let record: SlotKeyRecord | undefined
    try {
      const data = await store.exclusive((adapter) => adapter.load(key))
      record = data === undefined ? undefined : decodeSlotKey(data)
      if (data !== undefined && record === undefined) this.#init.report(new StorageCorruptError('an unreadable identity key record; replaced', key))
    } catch (error) {
      if (!(error instanceof Error) || error.name !== 'DecryptError') throw error
      this.#init.report(new StorageCorruptError('an identity key record that does not authenticate; replaced', key, { cause: error }))
    }
    const save = (identity: SlotKeyRecord['identity']): Promise<void> => store.exclusive((adapter) => adapter.save(key, encodeSlotKey({ identity, clean: false })))
    if (record !== undefined && record.clean && this.#mayAdopt(record.identity.publicKey, doc)) {
      let identity: IdentityKeyPair | undefined
      try {
        identity = await importIdentity(record.identity, { extractable: true })
      } catch (error) {
        this.#init.report(new StorageCorruptError('a stored identity key does not import; a fresh identity replaces it', key, { cause: error }))
      }
      if (identity !== undefined) {
        // Marked dirty BEFORE it signs anything: should this process die, the key is never used again.
        await save(record.identity)
        if (this.#mayAdopt(identity.publicKey, doc) && (this.#replica as SignedReplica).adopt(identity.publicKey, Promise.resolve(identity))) {
          trust.adopt(identity)
          doc.clientID = trust.clientId
          this.#slot = { name: claimed.slot, identity: record.identity }
          return true
        }
      }
    }
    // The identity chosen at createRoom (it may have signed already: edits before the load) takes the slot.
    const fresh = await seedOf(trust)
    await save(fresh)
    this.#slot = { name: claimed.slot, identity: fresh }
    return false
  }

  /** Resolves once every local edit made so far is signed and handed to storage. */
  settled(): Promise<void> {
    return this.#replica?.settled() ?? Promise.resolve()
  }

  /**
   * At close, after the last local edit was signed: stores what is pending, compacts the
   * chains if this writer wrote, and marks the slot's key clean when everything it signed is
   * durable (else it stays dirty, and never signs again).
   */
  async release(): Promise<void> {
    const store = this.#storeOrThrow()
    let clean = false
    try {
      await store.flush()
      clean = true
    } catch {
      // The store reported the failure; the key stays dirty.
    }
    await this.chainLog.close([...(this.#replica?.chains.all() ?? [])].length)
    const slot = this.#slot
    if (slot === undefined || !clean) return
    try {
      await store.exclusive((adapter) => adapter.save(this.#init.layout.slotKey(slot.name), encodeSlotKey({ identity: slot.identity, clean: true })))
    } catch (error) {
      this.#init.report(new StorageCorruptError('could not mark the identity key clean; it will not be reused', this.#init.layout.slotKey(slot.name), { cause: error }))
    }
  }

  /**
   * Whether `publicKey` may become ours: no local edit yet, and its stored chain covers its
   * content in `doc` (else its next entry could not continue the chain). A reader's key is
   * kept even when its own edits (which stay local) are not covered: its peer id is what a
   * writers list names.
   */
  #mayAdopt(publicKey: Uint8Array, doc: Y.Doc): boolean {
    const replica = this.#replica
    if (replica === undefined || replica.localEdits > 0 || replica.own.entries.length > 0) return false
    return this.#covered(publicKey, doc) || !this.#init.trust.mayWrite(peerIdFromPublicKey(publicKey))
  }

  /** The chain of `publicKey` is fully applied, unbroken, and reaches exactly as far as its content in `doc`. */
  #covered(publicKey: Uint8Array, doc: Y.Doc): boolean {
    const chains = this.#replica?.chains
    if (chains === undefined) return false
    const clientId = clientIdOf(publicKey)
    const chain = chains.get(clientId)
    const state = Y.getState(doc.store, clientId)
    if (chain === undefined) return state === 0
    return !chain.broken && chain.applied === chain.entries.length && chains.endAt(chain, chain.entries.length) === state
  }

  #storeOrThrow(): DocStore {
    if (this.#store === undefined) throw new Error('trusted storage used before its store was bound')
    return this.#store
  }
}

/** The seed form of the trust's current identity (fresh identities are extractable). */
async function seedOf(trust: RoomTrust): Promise<StoredIdentityKey & { seed: Uint8Array }> {
  const stored = await trust.identity.export({ as: 'bytes' })
  if (!('seed' in stored)) throw new Error('the identity has no seed form')
  return stored
}
