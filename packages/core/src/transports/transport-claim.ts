/**
 * The one-room rule of a transport, kept on the transport itself (no registry anywhere):
 * each transport holds its own claim, and a second claim throws.
 */
import { TransportInUseError } from '../errors.js'

/** What {@link transportClaim} returns: the `claim` member of a transport. */
export type ClaimTransport = (owner: string) => () => void

/**
 * Makes the `claim` member of one transport: the first owner (a room name) holds it; any
 * later claim throws a {@link TransportInUseError} that names both. Call it once per
 * transport instance and keep the result on the instance.
 *
 * @param what the transport, for the message (`webrtc transport`).
 * @example
 * ```ts
 * class MyTransport implements Transport {
 *   readonly claim = transportClaim('my transport')
 *   // ...
 * }
 * ```
 */
export function transportClaim(what: string): ClaimTransport {
  let owner: { room: string } | undefined
  return (room) => {
    if (owner !== undefined) {
      throw new TransportInUseError(
        `this ${what} already serves room "${owner.room}", so room "${room}" cannot use it: ` +
          'give every room its own transport (a transport serves one room for its whole life, even after that room closed)',
      )
    }
    const mine = { room }
    owner = mine
    return () => {
      if (owner === mine) owner = undefined
    }
  }
}

/**
 * Claims every transport of a room, or none: when one is taken, the claims made so far are
 * undone and its {@link TransportInUseError} is thrown. Transports without `claim` are skipped.
 */
export function claimTransports(transports: readonly { claim?: ClaimTransport }[], room: string): void {
  const undo: (() => void)[] = []
  try {
    for (const transport of transports) if (transport.claim !== undefined) undo.push(transport.claim(room))
  } catch (error) {
    for (const release of undo) release()
    throw error
  }
}
