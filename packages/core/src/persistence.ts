/**
 * A room's persistence: before the room joins the network it loads the stored document,
 * claims a persisted identity and reads the peers it knew. While it runs it appends every
 * update (local and remote) to the log, and saves its known peers now and then. Built on
 * {@link DocStore}, with any {@link StorageAdapter}. A room with a secret also stores its
 * signed chains and its identity key, and may seal everything (trusted-storage.ts).
 */
import * as Y from 'yjs'
import { wallClock, type Clock } from './clock.js'
import type { RoomKeys } from './crypto/room-keys.js'
import type { RandomSource } from './random.js'
import type { StorageAdapter } from './storage/adapter.js'
import { DocStore } from './storage/doc-store.js'
import { StorageClosedError, StorageCorruptError } from './storage/errors.js'
import type { Identity } from './storage/identity.js'
import { ROOT, roomLayout } from './storage/layout.js'
import type { PeerId } from './transport.js'
import { TrustedStorage } from './trusted-storage.js'
import type { RoomTrust } from './trust/room-trust.js'
import type { SignedReplica } from './trust/signed-replica.js'

/** Bytes of stored chain records written past which they are compacted (with enough records). */
const CHAIN_COMPACT_BYTES = 1024 * 1024

/** What persistence reports to its room. */
export interface PersistenceHost {
  readonly room: string
  readonly clock: Clock
  readonly random: RandomSource
  onPersisted(records: number, bytes: number): void
  onError(error: Error): void
  /** The trust of a room with a secret: its chains and identity key are stored too. */
  trust?: RoomTrust
  /** With `trust`: seal every stored blob of the room with its storage key. */
  encrypt?: boolean
  /** With `trust`: the room, the transaction origin of remote updates (everything else is a local edit). */
  origin?: unknown
}

/** What {@link Persistence.open} found. */
export interface OpenResult {
  /** The persisted peer id, when an identity was claimed. */
  peerId?: PeerId
  /** Peers known before the reload, to rejoin through them. */
  knownPeers: PeerId[]
}

/** What is stored of this peer as a member of the room: its incarnation and its versioned metadata. */
export interface StoredMember {
  incarnation: number
  clock: number
  entries: { key: string; version: number; value: string }[]
}

/** The persistence of a room on `storage`; undefined without storage. */
export function roomPersistence(storage: StorageAdapter | undefined, host: PersistenceHost): Persistence | undefined {
  return storage === undefined ? undefined : new Persistence(storage, host)
}

/** Persistence of one room. Internal. */
export class Persistence {
  readonly #store: DocStore
  readonly #adapter: StorageAdapter
  readonly #room: string
  readonly #onError: (error: Error) => void
  #memberWrite: Promise<void> = Promise.resolve()
  readonly #random: RandomSource
  readonly #trusted: TrustedStorage | undefined
  readonly #roomOrigin: unknown
  #opening: Promise<unknown> | undefined
  #identity: Identity | undefined
  #doc: Y.Doc | undefined
  #offUpdate: (() => void) | undefined
  #savedPeers = ''
  /** Set by `close()`: an `open()` still running stops at its next step and claims nothing. */
  #closing = false

  constructor(adapter: StorageAdapter, host: PersistenceHost) {
    this.#random = host.random
    this.#room = host.room
    this.#onError = host.onError
    this.#roomOrigin = host.origin
    this.#trusted =
      host.trust === undefined
        ? undefined
        : new TrustedStorage({
            trust: host.trust,
            encrypt: host.encrypt === true,
            layout: roomLayout(host.room),
            random: host.random,
            compactBytes: CHAIN_COMPACT_BYTES,
            report: (error) => host.onError(error),
          })
    // The member record goes through the same adapter as the document (sealed when the room encrypts).
    this.#adapter = this.#trusted?.wrap(adapter) ?? adapter
    this.#store = new DocStore({
      adapter: this.#adapter,
      room: host.room,
      // Leases in shared storage compare times across tabs and processes.
      clock: wallClock(host.clock),
      random: host.random,
      onEvent: (event) => {
        if (event.type === 'persisted') host.onPersisted(event.records, event.bytes)
        else host.onError(event.error)
      },
      ...(this.#trusted === undefined ? {} : { side: this.#trusted.chainLog }),
    })
    this.#trusted?.bind(this.#store)
  }

  /** Binds the signed replica of a room with a secret (at createRoom): its chains and local edits are stored. */
  attach(replica: SignedReplica): void {
    this.#trusted?.attach(replica)
  }

  /** The room with a secret rotated (`ring`: the new generation first): its stored blobs are sealed again under it. */
  rekey(ring: readonly RoomKeys[]): Promise<void> {
    return this.#trusted?.rekey(ring) ?? Promise.resolve()
  }

  /** A local edit of a room with a secret, once signed (or known to stay unsigned): stored then, with its chain entry. */
  keepLocal(update: Uint8Array): void {
    this.#trusted?.keepLocal(update)
  }

  /**
   * Starts logging every update of `doc` at once (synchronously, so no edit made after
   * `createRoom` is missed), then loads the stored state into it (one transaction). Content
   * the document held before is stored too. With `claimIdentity`, takes the persisted
   * identity: its peer id and its Yjs clientID, which only this writer holds while leased.
   * When `close()` is called before it finishes (even from a listener of the load itself),
   * it stops there, resolves without an identity, and leaves no lease behind.
   */
  open(doc: Y.Doc, claimIdentity: boolean): Promise<OpenResult> {
    const opening = this.#trusted === undefined ? this.#open(doc, claimIdentity) : this.#openTrusted(doc, claimIdentity, this.#trusted)
    this.#opening = opening.catch(() => undefined)
    return opening
  }

  async #open(doc: Y.Doc, claimIdentity: boolean): Promise<OpenResult> {
    const store = this.#store
    this.#doc = doc
    const listener = (update: Uint8Array, origin: unknown): void => {
      if (origin !== store) store.append(update, { fromDoc: true })
    }
    doc.on('update', listener)
    this.#offUpdate = () => doc.off('update', listener)
    if (doc.store.clients.size > 0) store.append(Y.encodeStateAsUpdate(doc), { fromDoc: true })
    const result: OpenResult = { knownPeers: [] }
    try {
      await store.load(doc, store)
      if (this.#closing) return result
      result.knownPeers = await store.loadPeers()
      if (this.#closing || !claimIdentity) return result
      this.#identity = await store.claimIdentity()
    } catch (error) {
      // Closed meanwhile: nothing to report, and the store released whatever it claimed.
      if (this.#closing && error instanceof StorageClosedError) return result
      throw error
    }
    result.peerId = this.#identity.peerId
    // A peer never knows itself: the stored list may hold this identity's id (saved by another
    // room that held it before), and dialing it would only fail.
    result.knownPeers = result.knownPeers.filter((peerId) => peerId !== result.peerId)
    doc.clientID = this.#identity.clientID
    return result
  }

  /**
   * A room with a secret: nothing is written before the load succeeded (a wrong secret
   * rejects with `KeyMismatchError` and leaves the store as it was); local edits are stored
   * once signed; the chains are restored before any edit made meanwhile is signed; then the
   * identity is claimed and settled (trusted-storage.ts). The peer id is the trust's.
   */
  async #openTrusted(doc: Y.Doc, claimIdentity: boolean, trusted: TrustedStorage): Promise<OpenResult> {
    const store = this.#store
    this.#doc = doc
    const room = this.#roomOrigin
    const listener = (update: Uint8Array, origin: unknown): void => {
      if (origin !== store && !trusted.isLocal(origin, room)) store.append(update, { fromDoc: true })
    }
    doc.on('update', listener)
    this.#offUpdate = () => doc.off('update', listener)
    const before = doc.store.clients.size > 0 ? Y.encodeStateAsUpdate(doc) : undefined
    const result: OpenResult = { knownPeers: [] }
    const resume = trusted.pause()
    try {
      const loaded = await store.load(doc, store, { keep: (key) => key[2] === 'chain' || key[2] === 'identity-key' })
      trusted.ownClientId(doc)
      trusted.start(before)
      if (this.#closing) return result
      await trusted.restore(loaded.kept, doc)
      trusted.ownClientId(doc)
      if (this.#closing) return result
      result.knownPeers = await store.loadPeers()
      if (this.#closing || !claimIdentity) return result
      this.#identity = await store.claimIdentity()
      if (this.#closing) return result
      await trusted.settleIdentity(this.#identity, doc)
    } catch (error) {
      // Storage that fails keeps receiving (and reporting) like an open room's; a wrong secret's never does.
      if (!(error instanceof Error && error.name === 'KeyMismatchError')) trusted.start(before)
      if (this.#closing && error instanceof StorageClosedError) return result
      throw error
    } finally {
      resume()
    }
    return result
  }

  /** The transaction origin of the updates storage loads into the document (not local edits). */
  get origin(): unknown {
    return this.#store
  }

  /** Saves the known peers when they changed since the last save. */
  savePeers(peers: readonly PeerId[]): void {
    const key = [...peers].sort().join(',')
    if (key === this.#savedPeers) return
    this.#savedPeers = key
    this.#store.savePeers(peers).catch(() => {
      // The store already reported the failure as an error event; try again next time.
      this.#savedPeers = ''
    })
  }

  /**
   * The member record stored for `peerId` in this room (`['gossamer', room, 'member', peerId]`,
   * JSON), or undefined. An unreadable record is reported and ignored.
   */
  async loadMember(peerId: PeerId): Promise<StoredMember | undefined> {
    try {
      const data = await this.#adapter.load(this.#memberKey(peerId))
      if (data === undefined) return undefined
      const value: unknown = JSON.parse(new TextDecoder().decode(data))
      if (isStoredMember(value)) return value
      this.#onError(new StorageCorruptError('the stored member record is unreadable; ignored', this.#memberKey(peerId)))
    } catch (cause) {
      this.#onError(cause instanceof Error ? cause : new Error(String(cause)))
    }
    return undefined
  }

  /** Stores this peer's member record (writes run one after the other; the last one wins). */
  saveMember(peerId: PeerId, member: StoredMember): void {
    const data = new TextEncoder().encode(JSON.stringify(member))
    this.#memberWrite = this.#memberWrite
      .then(() => this.#adapter.save(this.#memberKey(peerId), data))
      .catch((cause: unknown) => this.#onError(cause instanceof Error ? cause : new Error(String(cause))))
  }

  #memberKey(peerId: PeerId): string[] {
    return [ROOT, this.#room, 'member', peerId]
  }

  /** Resolves once every update made before the call is durable (in a room with a secret: signed, with its chain entry). */
  async flush(options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.#trusted?.settled()
    return this.#store.flush(options)
  }

  /**
   * Flushes, stops logging, releases the identity. The document then gets a fresh clientID:
   * the released one may go to another writer, and this Y.Doc may live on.
   */
  async close(): Promise<void> {
    this.#closing = true
    this.#offUpdate?.()
    await this.#memberWrite
    const trusted = this.#trusted
    const doc = this.#doc
    if (trusted !== undefined && doc !== undefined) {
      await this.#opening
      await trusted.settled()
      await trusted.release()
    }
    await this.#store.close()
    // A room with a secret: the clientID belongs to its key, which signs nothing more here.
    if (doc !== undefined && (trusted !== undefined || (this.#identity !== undefined && doc.clientID === this.#identity.clientID))) {
      doc.clientID = Math.floor(this.#random.next() * 0xffffffff) >>> 0
    }
  }
}

function isStoredMember(value: unknown): value is StoredMember {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  const count = (x: unknown): boolean => Number.isSafeInteger(x) && (x as number) >= 0
  return (
    count(v['incarnation']) &&
    count(v['clock']) &&
    Array.isArray(v['entries']) &&
    (v['entries'] as unknown[]).every((e) => {
      const entry = e as Record<string, unknown> | null
      return typeof entry === 'object' && entry !== null && typeof entry['key'] === 'string' && entry['key'] !== '' && count(entry['version']) && typeof entry['value'] === 'string'
    })
  )
}
