/**
 * A bounded scan of an untrusted awareness (presence) update, done before y-protocols
 * parses it: its size, how many client states it carries, each state's JSON size and
 * nesting depth. The format (y-protocols' encodeAwarenessUpdate): varUint count; per state
 * a varUint clientID, a varUint clock and the state's JSON as a varString, which must parse
 * (y-protocols parses each state only after applying the ones before it).
 */
import { LimitExceededError, UpdateRejectedError } from '../errors.js'
import { ByteCursor, checkJson } from './byte-cursor.js'
import type { PresenceLimits } from './content-limits.js'

/** One entry of an awareness update: its clientID and its encoded size (clientID, clock and JSON). */
export interface AwarenessScanEntry {
  client: number
  bytes: number
}

/**
 * Scans `update` against `limits` and returns the entries it carries (in order).
 *
 * @throws {@link LimitExceededError} over a limit; {@link UpdateRejectedError} when malformed.
 */
export function scanAwareness(update: Uint8Array, limits: PresenceLimits): AwarenessScanEntry[] {
  if (update.byteLength > limits.awarenessBytes) throw new LimitExceededError('awarenessBytes', update.byteLength, limits.awarenessBytes)
  const cursor = new ByteCursor(update)
  const entries: AwarenessScanEntry[] = []
  try {
    const count = cursor.varUint()
    if (count > limits.awarenessStates) throw new LimitExceededError('awarenessStates', count, limits.awarenessStates)
    if (count * 3 > cursor.left) throw new RangeError(`${count} states in ${cursor.left} bytes`)
    for (let i = 0; i < count; i++) {
      const start = cursor.left
      const client = cursor.varUint()
      cursor.varUint()
      const json = cursor.varBytes()
      entries.push({ client, bytes: start - cursor.left })
      if (json.byteLength > limits.awarenessStateBytes) throw new LimitExceededError('awarenessStateBytes', json.byteLength, limits.awarenessStateBytes)
      const depth = checkJson(json, limits.awarenessDepth)
      if (depth > limits.awarenessDepth) throw new LimitExceededError('awarenessDepth', depth, limits.awarenessDepth)
    }
    if (cursor.left > 0) throw new RangeError(`${cursor.left} trailing bytes`)
  } catch (error) {
    if (error instanceof UpdateRejectedError) throw error
    throw new UpdateRejectedError('awareness update does not parse', { cause: error })
  }
  return entries
}
