/**
 * The y-protocols Awareness a room's presence runs on: creating it without its own
 * wall-clock timer, following the document to a persisted clientID, and the awareness
 * updates presence sends (within the room's limits) and reads (the one client it carries),
 * and signed entries cut into frames.
 */
import { Awareness, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness'
import * as decoding from 'lib0/decoding'
import type { PresenceLimits } from '../limits/content-limits.js'
import { LIMITS } from '../protocol/messages.js'
import { SIGNED_LIMITS, type SignedAwarenessEntry } from '../protocol/messages-presence.js'
import type * as Y from 'yjs'

/**
 * The Awareness of a room: the one given, or a new one on `doc`. A new one's own wall-clock
 * timer is stopped (the presence layer renews on the room's clock), and so is any
 * awareness's when presence is off (no presence traffic at all).
 */
export function roomAwareness(doc: Y.Doc, given: Awareness | undefined, enabled: boolean): Awareness {
  const awareness = given ?? new Awareness(doc)
  if (given === undefined || !enabled) {
    clearInterval((awareness as unknown as { _checkInterval: ReturnType<typeof setInterval> })._checkInterval)
  }
  return awareness
}

/**
 * The document took another clientID (a persisted identity): presence follows it, keeping
 * the local state. Called before the room joins the network.
 *
 * A remote Awareness takes a state only when its clock is newer than the last it saw for
 * that clientID, and a persisted clientID was used by earlier sessions (before a reload)
 * whose clocks peers may remember. So the clock does not restart at 0: it starts at
 * `startClock`, by default the wall clock in microseconds (below 2⁵³ until the year 2255),
 * which an earlier session could only have reached with more than a thousand presence
 * updates per millisecond of its life.
 */
export function followClient(awareness: Awareness, clientID: number, startClock: number = Date.now() * 1000): void {
  if (awareness.clientID === clientID) return
  const state = awareness.getLocalState()
  removeAwarenessStates(awareness, [awareness.clientID], 'local')
  awareness.clientID = clientID
  const known = awareness.meta.get(clientID)?.clock ?? 0
  awareness.meta.set(clientID, { clock: Math.max(known, startClock), lastUpdated: Date.now() })
  awareness.setLocalState(state)
}

/** The states of `clients` in updates within `limits` (a state over them alone is left out, and so is a client whose clock was forgotten). */
export function encodeWithinLimits(awareness: Awareness, clients: readonly number[], limits: PresenceLimits): Uint8Array[] {
  const updates: Uint8Array[] = []
  let batch: number[] = []
  let bytes = 0
  const flush = (): void => {
    if (batch.length > 0) updates.push(encodeAwarenessUpdate(awareness, batch))
    batch = []
    bytes = 0
  }
  for (const client of clients) {
    if (!awareness.meta.has(client)) continue // forgotten since (a held state, sent later): nothing to say
    // Its size: the JSON plus at most 30 bytes of ids, clock and lengths.
    const size = encodeAwarenessUpdate(awareness, [client]).byteLength
    if (size > limits.awarenessBytes) continue
    if (batch.length >= limits.awarenessStates || bytes + size > limits.awarenessBytes) flush()
    batch.push(client)
    bytes += size
  }
  flush()
  return updates
}

/** The clientID of an awareness update that carries exactly one client, else undefined. */
export function soleClient(update: Uint8Array): number | undefined {
  try {
    const decoder = decoding.createDecoder(update)
    if (decoding.readVarUint(decoder) !== 1) return undefined
    const client = decoding.readVarUint(decoder)
    return Number.isSafeInteger(client) ? client : undefined
  } catch {
    return undefined
  }
}

/** Signed entries cut into SignedAwareness frames of at most 256 entries and `LIMITS.awarenessBytes` of states. */
export function signedChunks(entries: readonly SignedAwarenessEntry[]): SignedAwarenessEntry[][] {
  const out: SignedAwarenessEntry[][] = []
  let current: SignedAwarenessEntry[] = []
  let bytes = 0
  for (const entry of entries) {
    const size = entry.state?.length ?? 0
    if (current.length === SIGNED_LIMITS.entriesPerFrame || (current.length > 0 && bytes + size > LIMITS.awarenessBytes)) {
      out.push(current)
      current = []
      bytes = 0
    }
    current.push(entry)
    bytes += size
  }
  if (current.length > 0) out.push(current)
  return out
}
