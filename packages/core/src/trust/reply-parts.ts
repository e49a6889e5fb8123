/**
 * Replies in parts for rooms with a secret. What a peer misses (one run per author, from
 * {@link AuthorChains.missing}) is cut into pieces at the chains' split points, entries whose
 * signature a peer kept (`AuthorChain.marks`): each piece is a run whose last entry carries
 * its author's signature, so the receiver checks every part on its own, in order, exactly as
 * it checks a whole reply. Pieces are then packed into segments payloads of at most `budget`
 * bytes where the split points allow (a piece between two split points is never cut, so a
 * part may exceed the budget; such a stretch reached this peer in one frame). A run that
 * carries a checkpoint stays whole when it fits the wire's cap (a joiner applies the
 * checkpoint and the entries after it in one go); otherwise the checkpoint rides on its first
 * piece, which then reaches the checkpoint's seq, or, when even that piece would not fit with
 * it, the run goes without.
 */
import type { ContentPart, ContentParts } from '../content.js'
import { UpdateRejectedError } from '../errors.js'
import { LIMITS } from '../protocol/messages.js'
import type { AuthorChain, AuthorChains } from './author-chains.js'
import { decodePayload, encodeSegments, type Head, type Segment } from './signed-payload.js'

/** Bytes a run costs in a segments payload besides its entries (key, seq, signature, count, checkpoint flag), rounded up. */
const RUN_BYTES = 32 + 8 + 64 + 8 + 1
/** Bytes a checkpoint costs besides its update (seq, head, signature, length), rounded up. */
const CHECKPOINT_BYTES = 8 + 32 + 64 + 4
/** Bytes of a payload's tag and run count, rounded up. */
const PAYLOAD_BYTES = 8

/** Bytes an entry costs in a run (its length prefix is at most 4 bytes under the wire's cap). */
function entryBytes(entry: Uint8Array): number {
  return entry.byteLength + 4
}

/** `run` without its checkpoint. */
function withoutCheckpoint(run: Segment): Segment {
  return { author: run.author, from: run.from, signature: run.signature, entries: run.entries }
}

/** An upper bound of the bytes `run` takes in a segments payload. */
export function runBytes(run: Segment): number {
  let bytes = RUN_BYTES
  for (const entry of run.entries) bytes += entryBytes(entry)
  if (run.checkpoint !== undefined) bytes += CHECKPOINT_BYTES + run.checkpoint.update.byteLength
  return bytes
}

/**
 * Cuts `run` (of `chain`) at the chain's split points into pieces of about `budget` bytes.
 * A run that carries a checkpoint is cut only when it would not fit the wire's cap, and then
 * its first piece reaches the checkpoint's seq.
 */
export function splitRun(chain: AuthorChain, run: Segment, budget: number): Segment[] {
  // A joiner applies a checkpoint and every entry after it in its run at once (trust/checkpoint-intake.ts),
  // while entries of later parts take the slower usual path: such a run stays whole when it fits the wire.
  if (run.checkpoint !== undefined && runBytes(run) + PAYLOAD_BYTES <= LIMITS.updateBytes) return [run]
  const pieces = cut(chain, run, budget)
  const first = pieces[0] as Segment
  if (first.checkpoint === undefined || runBytes(first) + PAYLOAD_BYTES <= LIMITS.updateBytes) return pieces
  // With its checkpoint the first piece would not fit the wire: the run goes without it.
  return cut(chain, withoutCheckpoint(run), budget)
}

/** {@link splitRun}, the checkpoint (if any) always kept on the first piece. */
function cut(chain: AuthorChain, run: Segment, budget: number): Segment[] {
  const last = run.from + run.entries.length - 1
  const points = chain.marks.filter((mark) => mark.seq >= run.from && mark.seq < last)
  if (points.length === 0) return [run]
  points.push({ seq: last, signature: run.signature })
  const reach = run.checkpoint?.seq ?? 0
  const out: Segment[] = []
  let start = run.from
  let size = runBytes({ ...run, entries: [] })
  let at: (typeof points)[number] | undefined
  let seq = run.from
  const piece = (to: number, signature: Uint8Array): Segment => {
    const entries = run.entries.slice(start - run.from, to - run.from + 1)
    const segment: Segment = { author: run.author, from: start, signature, entries }
    return start === 1 && run.checkpoint !== undefined ? { ...segment, checkpoint: run.checkpoint } : segment
  }
  for (const point of points) {
    let add = 0
    for (; seq <= point.seq; seq++) add += entryBytes(run.entries[seq - run.from] as Uint8Array)
    if (at !== undefined && at.seq >= reach && size + add > budget) {
      out.push(piece(at.seq, at.signature))
      start = at.seq + 1
      size = RUN_BYTES
    }
    size += add
    at = point
  }
  out.push(piece(last, run.signature))
  return out
}

/** Packs pieces, in order, into groups of about `budget` bytes (a piece larger than the budget goes alone). */
function pack(pieces: readonly Segment[], budget: number): Segment[][] {
  const groups: Segment[][] = []
  let group: Segment[] = []
  let size = PAYLOAD_BYTES
  for (const piece of pieces) {
    const bytes = runBytes(piece)
    if (group.length > 0 && size + bytes > budget) {
      groups.push(group)
      group = []
      size = PAYLOAD_BYTES
    }
    group.push(piece)
    size += bytes
  }
  if (group.length > 0 || groups.length === 0) groups.push(group)
  return groups
}

/** The chain heads a SyncRequest payload lists; throws {@link UpdateRejectedError} for anything else. */
function headsOf(state: Uint8Array): Head[] {
  const payload = decodePayload(state)
  if (payload.kind !== 'heads') throw new UpdateRejectedError('a state that lists no chain heads')
  return payload.heads
}

/** What a peer whose state is `state` (a heads payload) misses, as one segments payload (checkpoints left out where they would not fit the wire's cap). */
export function wholeReply(chains: AuthorChains, state: Uint8Array): Uint8Array {
  const runs = chains.missing(headsOf(state))
  const reply = encodeSegments(runs)
  if (reply.byteLength <= LIMITS.updateBytes || !runs.some((run) => run.checkpoint !== undefined)) return reply
  return encodeSegments(runs.map(withoutCheckpoint))
}

/**
 * What a peer whose state is `state` (a heads payload) misses, as segments payloads of
 * about `budget` bytes each, produced one at a time. Throws {@link UpdateRejectedError} for a
 * bad state.
 */
export function replyParts(chains: AuthorChains, state: Uint8Array, budget: number): ContentParts {
  const pieces: Segment[] = []
  for (const run of chains.missing(headsOf(state))) {
    const chain = chains.open(run.author)
    pieces.push(...splitRun(chain, run, budget))
  }
  const groups = pack(pieces, budget)
  let next = 0
  return {
    next(): ContentPart {
      const group = groups[next++]
      if (group === undefined) throw new RangeError('a reply in parts was read past its last part')
      return { payload: encodeSegments(group), last: next >= groups.length }
    },
  }
}
