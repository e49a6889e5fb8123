/**
 * The transport side of a dial: the session layer picks the transport a dial asked for
 * (default: the room's first) and opens a connection to the peer through it.
 */
import { TransportError } from '../errors.js'
import { JoinPriority, type JoinPriorityValue } from '../protocol/messages.js'
import type { Connection, PeerId, Transport } from '../transport.js'

/**
 * Opens a connection to `peer` through the transport named `name` (default: the first of
 * `transports`); a high-priority dial is urgent (a full acceptor makes room for it).
 *
 * @throws TransportError when the room has no transport; whatever the transport's dial throws.
 */
export async function openConnection(transports: readonly Transport[], peer: PeerId, name: string | undefined, priority: JoinPriorityValue, signal: AbortSignal): Promise<Connection> {
  const found = name === undefined ? undefined : transports.find((t) => t.name === name)
  const transport = found ?? transports[0]
  if (transport === undefined) throw new TransportError('the room has no transport')
  return transport.dial(peer, { signal, urgent: priority === JoinPriority.High })
}
