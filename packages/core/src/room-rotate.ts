/**
 * `room.rotateSecret`: checks the new secret or password against the room, and derives the
 * key generation it names. The engine of the current network session moves its sessions to
 * it in band; a room offline only takes the new keys for the sessions it opens later.
 */
import { deriveRoomKeys, type RoomKeys } from './crypto/room-keys.js'
import { ConfigError } from './errors.js'
import type { RotateSecretOptions } from './room-options.js'

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
