/**
 * Live rooms with a secret on the memory network, for the trusted-room tests: each room's
 * transport is tapped (every message on the wire is recorded), and its errors are kept.
 */
import * as Y from 'yjs'
import { createRoom, type ErrorEvent, type MemoryNetwork, type Room, type RoomOptions } from '../../src/index.js'
import { tap, type Tap } from '../support/tap-transport.js'

/** A room plus its wiretap and its error events. */
export interface Peer {
  room: Room
  tap: Tap
  errors: ErrorEvent[]
}

/** A room named `name` on `network`, its transport tapped. Defaults: 50 ms rounds. */
export function peer(network: MemoryNetwork, options: Partial<RoomOptions> & { name: string }): Peer {
  const wire = tap(network.transport())
  const room = createRoom({ doc: new Y.Doc(), transports: [wire.transport], roundMs: 50, ...options })
  const errors: ErrorEvent[] = []
  room.on('error', (event) => errors.push(event))
  return { room, tap: wire, errors }
}

/** `peer`'s errors, as `name: message`. */
export function sessionErrors(peer: Peer): string[] {
  return peer.errors.map((e) => `${e.error.name}: ${e.error.message}`)
}

/** Names (and reasons, for AuthenticationError) of `peer`'s errors. */
export function errorKinds(peer: Peer): string[] {
  return peer.errors
    .map((e) => {
      const reason = (e.error as { reason?: string }).reason
      return reason === undefined ? e.error.name : `${e.error.name}:${reason}`
    })
}

/** Whether `needle` occurs in `haystack`. */
export function containsBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer
    return true
  }
  return false
}

/** Whether every document holds the same text and state. */
export function converged(rooms: readonly Room[]): boolean {
  const [first, ...rest] = rooms
  if (first === undefined) return true
  const snap = Y.snapshot(first.doc)
  const text = first.doc.getText('t').toString()
  return rest.every((r) => r.doc.getText('t').toString() === text && Y.equalSnapshots(snap, Y.snapshot(r.doc)))
}
