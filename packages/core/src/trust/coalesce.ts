/**
 * Our own signed payloads published in a row, merged (layers/publish-pacer.ts holds local
 * publishes back past the pace neighbours allow). Consecutive entries of our chain become one
 * run under the signature of its last entry: a chain head commits to every entry before it,
 * so the receiver checks the run exactly as it would have checked each entry. Anything else
 * (an announcement, a payload of another shape) keeps its place and ends the run.
 */
import { bytesEqual } from '../crypto/bytes.js'
import { clientIdOf } from './client-id.js'
import { decodePayload, encodeSegments, encodeSignedUpdate, type Segment } from './signed-payload.js'

/** The entries a payload carries when it is one run of `author`'s chain, else undefined. */
function ownRun(payload: Uint8Array, author: Uint8Array, clientId: number): Segment | undefined {
  let decoded
  try {
    decoded = decodePayload(payload)
  } catch {
    return undefined
  }
  if (decoded.kind === 'update') return decoded.clientId === clientId ? { author, from: decoded.seq, signature: decoded.signature, entries: [decoded.entry] } : undefined
  if (decoded.kind !== 'segments' || decoded.segments.length !== 1) return undefined
  const [run] = decoded.segments as [Segment]
  return run.checkpoint === undefined && bytesEqual(run.author, author) ? run : undefined
}

/**
 * Merges consecutive runs of `author`'s chain among `payloads` (in order) into runs of at
 * most about `maxBytes` of entries; the rest is kept as it is.
 */
export function coalesceOwn(payloads: readonly Uint8Array[], author: Uint8Array, maxBytes: number): Uint8Array[] {
  const clientId = clientIdOf(author)
  const out: Uint8Array[] = []
  let run: Segment | undefined
  let bytes = 0
  const close = (): void => {
    if (run === undefined) return
    const [entry] = run.entries as [Uint8Array]
    out.push(run.entries.length === 1 ? encodeSignedUpdate({ clientId, seq: run.from, signature: run.signature, entry }) : encodeSegments([run]))
    run = undefined
  }
  for (const payload of payloads) {
    const piece = ownRun(payload, author, clientId)
    if (piece === undefined) {
      close()
      out.push(payload)
      continue
    }
    const size = piece.entries.reduce((sum, entry) => sum + entry.byteLength, 0)
    if (run !== undefined && run.from + run.entries.length === piece.from && bytes + size <= maxBytes) {
      run = { ...run, signature: piece.signature, entries: [...run.entries, ...piece.entries] }
      bytes += size
    } else {
      close()
      run = { ...piece, entries: [...piece.entries] }
      bytes = size
    }
  }
  close()
  return out
}
