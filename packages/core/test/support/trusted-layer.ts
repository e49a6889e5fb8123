/**
 * A session layer of a room with a secret, on the recording harness, plus what its tests
 * share: the room's keys and identities, a remote peer written by hand ({@link HandAuth}),
 * and waiting for the layer's async work (sealing and opening are real WebCrypto).
 */
import { generateIdentity, type IdentityKeyPair } from '../../src/crypto/identity-keys.js'
import { deriveRoomKeys, type RoomKeys } from '../../src/crypto/room-keys.js'
import type { RoomEngine } from '../../src/engine/room-engine.js'
import { SessionLayer, type SessionConfig } from '../../src/layers/session-layer.js'
import { RoomRotation } from '../../src/room-rotate.js'
import { decodeFrame } from '../../src/protocol/codec.js'
import { FrameType, type Frame } from '../../src/protocol/messages.js'
import { createRoomTrust } from '../../src/trust/room-trust.js'
import { HandAuth } from './hand-auth.js'
import { RecordingContext, RecordingSessionPorts } from './layer-harness.js'
import { ScriptedTransport, type RecordingConnection } from './transport-doubles.js'

/** The room of these tests; its name must never show in what an outsider receives. */
export const ROOM = 'the-secret-room'
export const SECRET = new Uint8Array(32).fill(7)
export const OTHER_SECRET = new Uint8Array(32).fill(8)

/** Keys and identities, derived once per test file. */
export interface Fixture {
  keys: RoomKeys
  otherKeys: RoomKeys
  local: IdentityKeyPair
  remote: IdentityKeyPair
  insider: IdentityKeyPair
}

export async function fixture(): Promise<Fixture> {
  const [keys, otherKeys, local, remote, insider] = await Promise.all([
    deriveRoomKeys({ room: ROOM, secret: SECRET }),
    deriveRoomKeys({ room: ROOM, secret: OTHER_SECRET }),
    generateIdentity({ extractable: true }),
    generateIdentity(),
    generateIdentity(),
  ])
  return { keys, otherKeys, local, remote, insider }
}

/** A trusted session layer on the recording harness (its trust ready, with the fixture's keys). */
export async function trustedLayer(f: Fixture, config: Partial<SessionConfig> = {}, identity: IdentityKeyPair = f.local) {
  const trust = await createRoomTrust({ room: ROOM, secret: SECRET, identity })
  trust.keys = f.keys
  const ctx = new RecordingContext({ peerId: trust.peerId, room: ROOM })
  const ports = new RecordingSessionPorts()
  const transport = new ScriptedTransport()
  const controller = new AbortController()
  const layer = new SessionLayer(ctx, { handshakeTimeoutMs: 3000, ...config }, [transport], controller.signal, ports, trust)
  return { trust, ctx, ports, transport, controller, layer, hand: (identity = f.remote, keys = f.keys) => new HandAuth(keys, identity, ROOM) }
}

/**
 * `side` rotates to `secret` as its room would (room-rotate.ts's RoomRotation, with the
 * layer standing in for the engine: it rekeys, and closes what an expiry closes).
 */
export function rotateLayer(side: Awaited<ReturnType<typeof trustedLayer>>, secret: Uint8Array, graceMs: number): Promise<void> {
  const trusted = side.layer.trusted
  const engine = { rekey: () => trusted?.rekeyAll(), expire: (keys: RoomKeys) => trusted?.expire(keys) } as unknown as RoomEngine
  const room = { name: ROOM, trusted: true, password: false }
  const rotation = new RoomRotation({ room, trust: side.trust, clock: side.ctx.clock, engine: () => engine, persistence: undefined, loaded: Promise.resolve(), closed: () => false, report: (error) => { throw error } })
  return rotation.rotateSecret(secret.slice(), { graceMs })
}

/** Resolves once `predicate()` holds (polled every macrotask); fails after 5 s. */
export function until(predicate: () => boolean, what = 'a condition'): Promise<void> {
  const deadline = AbortSignal.timeout(5000)
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (predicate()) return resolve()
      if (deadline.aborted) return reject(new Error(`timed out waiting for ${what}`))
      setImmediate(check)
    }
    check()
  })
}

/** The `i`th frame sent on `connection`, decoded (in the clear). */
export function sentFrame(connection: RecordingConnection, i: number): Frame {
  const bytes = connection.sent[i]
  if (bytes === undefined) throw new Error(`nothing sent at ${i}`)
  return decodeFrame(bytes)
}

/** Whether `needle` occurs in `haystack`. */
export function containsBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer
    return true
  }
  return false
}

/** The tag of frame `i` on `connection`. */
export function sentType(connection: RecordingConnection, i: number): number {
  return sentFrame(connection, i).type
}

export { FrameType }
