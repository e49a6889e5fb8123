/**
 * The engine's side of its transports: it listens to each one (discovered peers, inbound
 * connections, errors), starts them with the room's admission, mesh relay and secrets, and
 * joins the room's topic on each. A transport that fails to start is reported, not thrown.
 * It also asks them all for the topic's peers again when the overlay is isolated.
 */
import { TransportError } from '../errors.js'
import type { Connection, PeerId, SignalPath, Transport } from '../transport.js'
import type { RoomTrust } from '../trust/room-trust.js'
import { transportSecrets } from '../trust/transport-secrets.js'

/** What the engine gives {@link startTransports}. */
export interface TransportWiring {
  room: string
  peerId: PeerId
  /** Aborted when the room closes. */
  signal: AbortSignal
  /** The room's mesh relay. */
  relay: SignalPath
  /** Keys of a room with a secret; absent for an open room. */
  trust: RoomTrust | undefined
  /** True once the engine stopped: nothing more is joined or reported. */
  stopped(): boolean
  /** May a transport set up an inbound connection from `peer`? */
  admit(peer: PeerId, urgent: boolean): boolean
  /** A transport found `peer` on the room's topic. */
  discovered(peer: PeerId, transport: string): void
  /** A remote peer opened a connection to us. */
  opened(connection: Connection): void
  report(error: Error): void
}

/**
 * Listens to every transport (each listener's remover goes into `disposers` at once), then
 * starts them all and joins the room's topic on each. Resolves once every start settled.
 */
export async function startTransports(transports: readonly Transport[], wiring: TransportWiring, disposers: (() => void)[]): Promise<void> {
  const { room, signal } = wiring
  for (const transport of transports) {
    disposers.push(
      transport.on('peer:discover', ({ peerId, topic }) => {
        if (topic !== room || wiring.stopped()) return
        wiring.discovered(peerId, transport.name)
      }),
      transport.on('connection:open', ({ connection }) => wiring.opened(connection)),
      transport.on('error', ({ error }) => wiring.report(error)),
    )
  }
  await Promise.all(
    transports.map(async (transport) => {
      try {
        await transport.start({
          peerId: wiring.peerId,
          signal,
          admit: (peerId, request) => wiring.admit(peerId, request?.urgent === true),
          relay: wiring.relay,
          ...(wiring.trust === undefined ? {} : { secrets: transportSecrets(wiring.trust) }),
        })
        if (!wiring.stopped()) transport.join(room)
      } catch (cause) {
        if (!wiring.stopped()) wiring.report(new TransportError(`transport ${transport.name} failed to start`, { cause }))
      }
    }),
  )
}

/**
 * Asks every transport that can (`Transport.rediscover`) for the peers of `room` again: the
 * peers found arrive as `peer:discover`, like any discovered peer. A transport that throws
 * is reported, and the others are still asked.
 */
export function rediscoverPeers(transports: readonly Transport[], room: string, report: (error: Error) => void): void {
  for (const transport of transports) {
    try {
      transport.rediscover?.(room)
    } catch (cause) {
      report(new TransportError(`transport ${transport.name} failed to rediscover peers`, { cause }))
    }
  }
}
