/**
 * The signaling topics follow a rotation at once: the room's transport secrets list the new
 * generation's topic proof first and keep the old one for the grace period, telling their
 * transports on each change (the webrtc transport joins and leaves topics accordingly).
 */
import { describe, expect, it } from 'vitest'
import { deriveRoomKeys, generateRoomSecret, toBase64Url, VirtualClock } from '../../src/index.js'
import { RoomRotation } from '../../src/room-rotate.js'
import { createRoomTrust } from '../../src/trust/room-trust.js'
import { transportSecrets } from '../../src/trust/transport-secrets.js'

const ROOM = 'topics'

describe('signaling topics across a rotation', () => {
  it('move to the new generation at once, keep the old one during the grace period, and drop it after', async () => {
    const [oldSecret, newSecret] = [generateRoomSecret(), generateRoomSecret()]
    const trust = await createRoomTrust({ room: ROOM, secret: oldSecret })
    const [oldKeys, newKeys] = await Promise.all([deriveRoomKeys({ room: ROOM, secret: oldSecret }), deriveRoomKeys({ room: ROOM, secret: newSecret })])
    const clock = new VirtualClock()
    const reported: Error[] = []
    const engine = { rekey: () => undefined, expire: () => undefined } as never
    const rotation = new RoomRotation({ room: { name: ROOM, trusted: true, password: false }, trust, clock, engine: () => engine, persistence: undefined, loaded: Promise.resolve(), closed: () => false, report: (error) => reported.push(error) })
    const secrets = transportSecrets(trust)
    const seen: string[][] = []
    const off = secrets.onTopicsChange?.(({ topicProofs }) => seen.push(topicProofs.map(toBase64Url)))
    const listed = (): string[] => (secrets.topicProofs ?? [secrets.topicProof]).map(toBase64Url)
    expect(listed()).toEqual([oldKeys.topicProof])

    await rotation.rotateSecret(newSecret, { graceMs: 1000 })
    expect(toBase64Url(secrets.topicProof)).toBe(newKeys.topicProof)
    expect(listed()).toEqual([newKeys.topicProof, oldKeys.topicProof])
    expect(seen).toEqual([[newKeys.topicProof, oldKeys.topicProof]])

    await clock.advance(1000)
    expect(listed()).toEqual([newKeys.topicProof])
    expect(seen).toEqual([[newKeys.topicProof, oldKeys.topicProof], [newKeys.topicProof]])
    off?.()
    expect(reported).toEqual([])
  })

  it('a key-change listener that throws (even from the grace timer) is reported, and the others still hear', async () => {
    const trust = await createRoomTrust({ room: ROOM, secret: generateRoomSecret() })
    const clock = new VirtualClock()
    const engine = { rekey: () => undefined, expire: () => undefined } as never
    const reported: Error[] = []
    const rotation = new RoomRotation({ room: { name: ROOM, trusted: true, password: false }, trust, clock, engine: () => engine, persistence: undefined, loaded: Promise.resolve(), closed: () => false, report: (error) => reported.push(error) })
    let heard = 0
    trust.onKeysChange(() => {
      throw new Error('listener bug')
    })
    trust.onKeysChange(() => heard++)
    await rotation.rotateSecret(generateRoomSecret(), { graceMs: 1000 })
    await clock.advance(1000)
    expect(heard).toBe(2)
    expect(reported.map((e) => e.message)).toEqual(['listener bug', 'listener bug'])
  })
})
