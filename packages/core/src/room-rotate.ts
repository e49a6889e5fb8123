/**
 * `room.rotateSecret`: checks the new secret or password against the room, derives the key
 * generation it names and makes it current, for the room rather than for one network
 * session. The generations it replaces stay accepted for their grace period, whose timer is
 * the room's: it starts when the rotation happens online (or, for a rotation made offline,
 * when the room next connects, the first moment an old-key peer could reach it) and ends on
 * time whether the room stays connected, disconnects or reconnects meanwhile. The engine of
 * the current network session rekeys its open sessions and closes those still on an expired
 * generation; storage is sealed again under the new generation. docs/SECURITY.md, Key rotation.
 */
import type { Clock, TimerHandle } from './clock.js'
import { bytesEqual } from './crypto/bytes.js'
import { deriveRoomKeys, type RoomKeys } from './crypto/room-keys.js'
import type { RoomEngine } from './engine/room-engine.js'
import { ConfigError, RoomClosedError } from './errors.js'
import { abortable } from './gate.js'
import type { Persistence } from './persistence.js'
import type { RotateSecretOptions } from './room-options.js'
import type { RoomTrust } from './trust/room-trust.js'

/** How long `rotateSecret` keeps the previous secret accepted by default: ten minutes. */
export const DEFAULT_GRACE_MS = 600_000

/** What {@link rotationKeys} checks a rotation against. */
export interface RotationRoom {
  name: string
  /** The room has a secret or a password. */
  trusted: boolean
  /** The room's secret is a password (a rotation takes a new password). */
  password: boolean
}

/**
 * The keys and grace period of a rotation. Rejects with a ConfigError for a room without a
 * secret, a password room given bytes, or a bad `graceMs`; WeakSecretError for a weak secret.
 */
export async function rotationKeys(
  room: RotationRoom,
  secretOrPassword: Uint8Array | string,
  options: RotateSecretOptions,
): Promise<{ keys: RoomKeys; graceMs: number }> {
  if (!room.trusted) throw new ConfigError('rotateSecret: the room has no secret or password')
  if (room.password && typeof secretOrPassword !== 'string') throw new ConfigError('rotateSecret: a password room takes a new password (a string)')
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS
  if (!Number.isFinite(graceMs) || graceMs < 0) throw new ConfigError('rotateSecret: graceMs must be a non-negative number')
  const keys = await deriveRoomKeys({
    room: room.name,
    ...(room.password ? { password: secretOrPassword as string } : { secret: secretOrPassword }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  })
  return { keys, graceMs }
}

/** What a {@link RoomRotation} needs from its room. */
export interface RoomRotationInit {
  room: RotationRoom
  /** The room's trust; undefined for an open room (every rotation then fails with ConfigError). */
  trust: RoomTrust | undefined
  /** The room's clock: grace periods run on it. */
  clock: Clock
  /** The engine of the current network session; undefined while offline or loading. */
  engine(): RoomEngine | undefined
  persistence: Persistence | undefined
  /** Settles once the room loaded (the identity and storage are settled). */
  loaded: Promise<void>
  /** Whether the room closed. */
  closed(): boolean
  /** Reports an error as the room's `error` event (a key-change listener that threw). */
  report(error: Error): void
}

/** The key generations of one room across its network sessions. Internal. */
export class RoomRotation {
  readonly #init: RoomRotationInit
  /** The end of the grace period of each previous generation whose grace runs. */
  readonly #timers = new Map<RoomKeys, TimerHandle>()
  /** Previous generations rotated away while offline: their grace period (ms) starts at the next connect. */
  readonly #deferred = new Map<RoomKeys, number>()

  constructor(init: RoomRotationInit) {
    this.#init = init
  }

  /** `room.rotateSecret` (see its TSDoc). */
  async rotateSecret(secretOrPassword: Uint8Array | string, options: RotateSecretOptions = {}): Promise<void> {
    if (this.#init.closed()) throw new RoomClosedError('the room is closed')
    const { keys, graceMs } = await rotationKeys(this.#init.room, secretOrPassword, options)
    await abortable(this.#init.loaded, options.signal)
    const trust = this.#init.trust
    if (this.#init.closed() || trust === undefined) throw new RoomClosedError('the room closed during the rotation')
    const ring = [keys, trust.keys, ...trust.previousKeys]
    this.#rotate(trust, keys, graceMs)
    // Storage is sealed again under the new generation (one atomic batch later writes wait for).
    await this.#init.persistence?.rekey(ring)
  }

  /** A network session started: the grace periods of rotations made offline start now. */
  online(): void {
    for (const [keys, graceMs] of this.#deferred) this.#startGrace(keys, graceMs)
    this.#deferred.clear()
  }

  /** The room closes: no grace period ends any more (nothing is connected). */
  close(): void {
    for (const timer of this.#timers.values()) this.#init.clock.clearTimeout(timer)
    this.#timers.clear()
    this.#deferred.clear()
  }

  /** Makes `keys` current; the generation it replaces is accepted for `graceMs` more. */
  #rotate(trust: RoomTrust, keys: RoomKeys, graceMs: number): void {
    if (bytesEqual(keys.keyId, trust.keys.keyId)) return
    // Back to a generation still in its grace period: it is current again (the same keys), with no end.
    const again = trust.previousKeys.find((k) => bytesEqual(k.keyId, keys.keyId))
    if (again !== undefined) this.#end(trust, again, false)
    const old = trust.keys
    trust.previousKeys.unshift(old)
    trust.keys = again ?? keys
    const engine = this.#init.engine()
    if (engine === undefined) this.#deferred.set(old, graceMs)
    else this.#startGrace(old, graceMs)
    engine?.rekey()
    // Transports move their signaling topics now (the old one stays for the grace period).
    trust.keysChanged(this.#init.report)
  }

  #startGrace(keys: RoomKeys, graceMs: number): void {
    const trust = this.#init.trust
    if (trust === undefined) return
    this.#timers.set(keys, this.#init.clock.setTimeout(() => this.#end(trust, keys, true), graceMs))
  }

  /** Generation `keys` is no longer accepted; with `expire`, sessions still on it close. */
  #end(trust: RoomTrust, keys: RoomKeys, expire: boolean): void {
    const timer = this.#timers.get(keys)
    if (timer !== undefined) this.#init.clock.clearTimeout(timer)
    this.#timers.delete(keys)
    this.#deferred.delete(keys)
    const at = trust.previousKeys.indexOf(keys)
    if (at >= 0) trust.previousKeys.splice(at, 1)
    if (expire) this.#init.engine()?.expire(keys)
    if (at >= 0 && expire) trust.keysChanged(this.#init.report)
  }
}
