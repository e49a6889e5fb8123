/**
 * The transport's signaling follows a rotated room's topics: it joins with every topic proof
 * the room's secrets list, joins again with the new list each time it changes (a rotation, the
 * end of a grace period), and stops following once it left the room or stopped. The server
 * client is the real one, with no server configured (its calls are recorded).
 */
import { describe, expect, it } from 'vitest'
import { toBase64Url, type TransportSecrets } from '@gossamer/core'
import { serverSignals } from '../../src/index.js'
import { Signaling } from '../../src/signaling.js'

describe('signaling and a rotated room', () => {
  it('joins every topic proof, follows each change at once, and stops following after leave', () => {
    const server = serverSignals({ urls: [], peerId: 'self' })
    const joins: string[][] = []
    const join = server.join.bind(server)
    server.join = (room, options) => {
      joins.push([room, ...(options?.topicProofs ?? []).map(toBase64Url)])
      join(room, options)
    }
    const listeners = new Set<(event: { topicProofs: readonly Uint8Array[] }) => void>()
    let proofs: Uint8Array[] = [Uint8Array.of(1)]
    const secrets: TransportSecrets = {
      get topicProof() {
        return proofs[0] as Uint8Array
      },
      get topicProofs() {
        return proofs
      },
      onTopicsChange(listener) {
        listeners.add(listener)
        return () => listeners.delete(listener)
      },
      seal: async (data) => data,
      open: async (data) => data,
    }
    const change = (next: Uint8Array[]): void => {
      proofs = next
      for (const listener of [...listeners]) listener({ topicProofs: next })
    }
    const host = { onDiscover: () => undefined, onSignal: () => undefined, onUndeliverable: () => undefined, onError: (e: Error) => { throw e } }
    const signaling = new Signaling(server, undefined, host, 'self', secrets)
    signaling.join('r')
    signaling.join('r') // already following: no second subscription
    expect(listeners.size).toBe(1)
    change([Uint8Array.of(2), Uint8Array.of(1)]) // rotated: the new topic first, the old one during the grace period
    change([Uint8Array.of(2)]) // the grace period ended
    expect(joins).toEqual([['r', 'AQ'], ['r', 'Ag', 'AQ'], ['r', 'Ag']])
    signaling.leave('r')
    expect(listeners.size).toBe(0)
    signaling.join('r')
    signaling.stop()
    expect(listeners.size).toBe(0)
  })
})
