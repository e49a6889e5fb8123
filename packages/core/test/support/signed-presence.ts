/**
 * Helpers of the signed presence tests: a presence layer of a room with a secret on a
 * recording context and a real y-protocols Awareness, peers that sign their own entries,
 * and readers of what the layer sent.
 */
import * as Y from 'yjs'
import type { Awareness } from 'y-protocols/awareness'
import { Presence, roomAwareness, type PresenceTree } from '../../src/layers/presence.js'
import { FrameType } from '../../src/protocol/messages.js'
import type { SignedAwarenessEntry, SignedAwarenessFrame } from '../../src/protocol/messages-presence.js'
import { signAwarenessEntry } from '../../src/trust/presence-signatures.js'
import type { RoomTrust } from '../../src/trust/room-trust.js'
import { RecordingContext, testTrust, trustedContext, type TestTrustInit } from './layer-harness.js'

/** The push trees as presence sees them: records first copies and duplicates. */
export class RecordingTree implements PresenceTree {
  readonly pruned = new Set<string>()
  readonly firsts: [string, number][] = []
  readonly duplicates: [string, number][] = []
  eager(peer: string, origin: number): boolean {
    return !this.pruned.has(`${peer}:${origin}`)
  }
  first(peer: string, origin: number): void {
    this.firsts.push([peer, origin])
  }
  duplicate(peer: string, origin: number): void {
    this.duplicates.push([peer, origin])
  }
  pushed(): void {}
}

/** A signed presence layer under test. */
export interface SignedSetup {
  trust: RoomTrust
  ctx: RecordingContext
  awareness: Awareness
  tree: RecordingTree
  presence: Presence
}

/** Builds a presence layer of a room with a secret, its local state `{ name: 'me' }`. */
export async function signedPresence(init: TestTrustInit & { enabled?: boolean; state?: Record<string, unknown> | null; before?: (ctx: RecordingContext) => Promise<void> } = {}): Promise<SignedSetup> {
  const trust = await testTrust(init)
  const ctx = trustedContext(trust)
  await init.before?.(ctx)
  const doc = new Y.Doc()
  doc.clientID = trust.clientId
  const awareness = roomAwareness(doc, undefined, true)
  awareness.setLocalState(init.state === undefined ? { name: 'me' } : init.state)
  const tree = new RecordingTree()
  const presence = new Presence(ctx, awareness, init.enabled ?? true, tree, trust)
  return { trust, ctx, awareness, tree, presence }
}

const encoder = new TextEncoder()

/** JSON bytes of a state. */
export function json(state: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(state))
}

/** An entry of `trust`'s own client, signed by its key. */
export function entryOf(trust: RoomTrust, clock: number, state: unknown): Promise<SignedAwarenessEntry> {
  return signAwarenessEntry(trust.identity, trust.keys.room, { clientID: trust.clientId, clock, state: state === null ? null : json(state) })
}

/** A SignedAwareness frame as it arrives on a link. */
export function signedFrame(...entries: SignedAwarenessEntry[]): SignedAwarenessFrame {
  return { type: FrameType.SignedAwareness, room: '', entries }
}

/** A remote peer of the test room, with its own identity. */
export async function remotePeer(): Promise<RoomTrust> {
  return testTrust()
}

/** The SignedAwareness frames sent so far (not drained), each with its peer. */
export function signedSent(ctx: RecordingContext): { peer: string; frame: SignedAwarenessFrame }[] {
  return ctx.sent.flatMap((s) => (s.frame.type === FrameType.SignedAwareness ? [{ peer: s.peer, frame: s.frame }] : []))
}

/** The states a frame carries: clientID → parsed state (null for a removal). */
export function statesOf(frame: SignedAwarenessFrame): Map<number, unknown> {
  const decoder = new TextDecoder()
  return new Map(frame.entries.map((e) => [e.clientID, e.state === null ? null : (JSON.parse(decoder.decode(e.state)) as unknown)]))
}
