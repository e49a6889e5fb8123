/**
 * Signed checkpoints: an author's own compaction of the start of its chain. A checkpoint of
 * entries 1..seq holds the merge of their Yjs updates and is signed over
 * `"gossamer/v3/checkpoint" ‖ 0x00 ‖ room ‖ 0x00 ‖ u64be(seq) ‖ H(seq) ‖ SHA-256(update)`, where
 * H(seq) is the chain head after entry `seq` (trust/chain.ts). The room name keeps a
 * checkpoint from being replayed into another room (a joiner cannot check H(seq) without the
 * entries, whose H(0) names the room). A joiner that holds nothing of an author
 * checks one signature and applies one update, instead of hashing, checking and applying
 * every entry before it sees the document; the entries still arrive with the checkpoint and
 * are checked afterwards, so the joiner ends up a full peer (docs/SECURITY.md, "Checkpoints").
 */
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { concatBytes, utf8 } from '../crypto/bytes.js'
import { AuthorshipError } from './errors.js'
import { inspect } from './inspect.js'
import { sha256 } from './sha256.js'

const CHECKPOINT_LABEL = utf8('gossamer/v3/checkpoint')

/** Fewest entries a checkpoint covers: below that, entries are cheap enough one by one. */
export const MIN_CHECKPOINT_ENTRIES = 128

/** How far past a checkpoint of `seq` entries the next one goes at least: a quarter, and at least {@link MIN_CHECKPOINT_ENTRIES}. */
export function checkpointStep(seq: number): number {
  return Math.max(MIN_CHECKPOINT_ENTRIES, Math.floor(seq / 4))
}

/** A signed compaction of entries 1..`seq` of one author's chain. */
export interface Checkpoint {
  /** The last entry it covers. */
  seq: number
  /** The chain head after entry `seq`. */
  head: Uint8Array
  /** The merge of the Yjs updates of entries 1..`seq` (V1). */
  update: Uint8Array
  /** The author's signature over {@link checkpointMessage}. */
  signature: Uint8Array
}

/** The message an author signs for a checkpoint in `room`. */
export function checkpointMessage(room: string, seq: number, head: Uint8Array, update: Uint8Array): Uint8Array {
  return checkpointMessageOf(room, seq, head, sha256(update))
}

/** The same message, from the update's SHA-256 (`digest`): what an announcement carries. */
export function checkpointMessageOf(room: string, seq: number, head: Uint8Array, digest: Uint8Array): Uint8Array {
  const counter = new Uint8Array(8)
  const view = new DataView(counter.buffer)
  view.setUint32(0, Math.floor(seq / 2 ** 32))
  view.setUint32(4, seq >>> 0)
  const zero = new Uint8Array([0])
  return concatBytes(CHECKPOINT_LABEL, zero, utf8(room), zero, counter, head, digest)
}

/**
 * Merges many updates into one. `Y.mergeUpdates` slows down sharply with the number of
 * inputs (10,000 keystrokes take over a second in one call), so this merges groups of 64,
 * then groups of the results, and so on (about 40 ms for 10,000 keystrokes).
 */
export function mergeInTree(updates: readonly Uint8Array[]): Uint8Array {
  const GROUP = 64
  let level = [...updates]
  if (level.length === 0) return Y.mergeUpdates([])
  while (level.length > 1) {
    const next: Uint8Array[] = []
    for (let i = 0; i < level.length; i += GROUP) next.push(Y.mergeUpdates(level.slice(i, i + GROUP)))
    level = next
  }
  return level[0] as Uint8Array
}

/**
 * `update` (V1) with only `owner`'s deletions left in its delete set, or undefined when its
 * bytes do not end with the delete set as Yjs writes it (nothing is guessed). What goes
 * ahead of the usual checks deletes nothing of anyone else: a lying checkpoint could
 * otherwise erase another author's content at a joiner only, for good.
 */
export function ownDeletesOnly(update: Uint8Array, owner: number): Uint8Array | undefined {
  const { ds } = Y.decodeUpdate(update)
  if (ds.clients.size === 0 || (ds.clients.size === 1 && ds.clients.has(owner))) return update
  const written = encodeDeletes([...ds.clients])
  if (written.length > update.length || !written.every((byte, i) => byte === update[update.length - written.length + i])) return undefined
  const own = ds.clients.get(owner)
  return concatBytes(update.subarray(0, update.length - written.length), encodeDeletes(own === undefined ? [] : [[owner, own]]))
}

/** A V1 delete set of `clients` in the order given. */
function encodeDeletes(clients: readonly [number, readonly { clock: number; len: number }[]][]): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, clients.length)
  for (const [client, items] of clients) {
    encoding.writeVarUint(encoder, client)
    encoding.writeVarUint(encoder, items.length)
    for (const item of items) {
      encoding.writeVarUint(encoder, item.clock)
      encoding.writeVarUint(encoder, item.len)
    }
  }
  return encoding.toUint8Array(encoder)
}

/** What a checkpoint's update reaches, once it passed {@link checkCheckpoint}. */
export interface CheckpointReach {
  /** The author's clock after its content. */
  end: number
  /** Per other client: the clock its content must reach for the update to apply. */
  needs: Map<number, number>
  /** Whether it deletes content of another client (see {@link ownDeletesOnly}). */
  foreignDeletes: boolean
}

/**
 * The authorship rules for a checkpoint of `clientId`: every struct is the author's, they
 * start at clock 0 with no gap, and the author's own content it references (deletions
 * included) lies within what it holds. Throws {@link AuthorshipError}.
 */
export function checkCheckpoint(clientId: number, author: string, update: Uint8Array): CheckpointReach {
  let inspection
  try {
    inspection = inspect(update, clientId)
  } catch (cause) {
    throw new AuthorshipError(`a checkpoint of ${author} breaks the authorship rules`, { cause })
  }
  if (inspection.start !== undefined && inspection.start !== 0) throw new AuthorshipError(`a checkpoint of ${author} starts at clock ${inspection.start}, not 0`)
  const end = inspection.end ?? 0
  if ((inspection.needs.get(clientId) ?? 0) > end) throw new AuthorshipError(`a checkpoint of ${author} references its own content beyond clock ${end}`)
  const needs = new Map(inspection.needs)
  needs.delete(clientId)
  return { end, needs, foreignDeletes: inspection.foreignDeletes }
}
