/**
 * The {@link TransportSecrets} of a room with a secret: its signaling topic proof, and
 * signal payloads sealed with its signaling key (AES-256-GCM envelopes), bound to sender and
 * recipient so a sealed offer cannot be replayed to another peer or as another peer's. Old
 * key generations still open during a rotation's grace period, whose topics it keeps too
 * (and says when they change).
 */
import { fromBase64Url, utf8 } from '../crypto/bytes.js'
import { openEnvelope, sealEnvelope } from '../crypto/envelope.js'
import type { SignalRoute, TransportSecrets } from '../transport.js'
import type { RoomTrust } from './room-trust.js'

function routeData(route: SignalRoute): Uint8Array {
  return utf8(`${route.from}\u0000${route.to}`)
}

/** The transport secrets of a ready room trust. */
export function transportSecrets(trust: RoomTrust): TransportSecrets {
  const proofs = (): Uint8Array[] => [trust.keys, ...trust.previousKeys].map((keys) => fromBase64Url(keys.topicProof) as Uint8Array)
  return {
    get topicProof(): Uint8Array {
      return fromBase64Url(trust.keys.topicProof) as Uint8Array
    },
    get topicProofs(): readonly Uint8Array[] {
      return proofs()
    },
    onTopicsChange: (listener) => trust.onKeysChange(() => listener({ topicProofs: proofs() })),
    seal: (data, route) => sealEnvelope(trust.keys, 'signaling', data, { associatedData: routeData(route) }),
    open: (data, route) => openEnvelope([trust.keys, ...trust.previousKeys], 'signaling', data, { associatedData: routeData(route) }),
  }
}
