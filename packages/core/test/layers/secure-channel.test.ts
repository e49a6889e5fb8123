/**
 * The secure channel on its own: frames of seeded random sizes are sealed concurrently and
 * still transmitted in order, and open in order on the other side; a key switch takes effect
 * exactly between two frames; its queues are bounded both ways; `end()` flushes and `close()`
 * stops. Set GOSSAMER_SEED to replay.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { deriveRoomKeys, type RoomKeys } from '../../src/crypto/room-keys.js'
import type { SessionKeys } from '../../src/crypto/session-keys.js'
import { SecureChannel } from '../../src/layers/secure-channel.js'
import { decodeFrame } from '../../src/protocol/codec.js'
import { FrameType } from '../../src/protocol/messages.js'
import { randomInt, seededRandom } from '../../src/random.js'
import { sessionPair as keysOfPair } from '../support/session-pair.js'
import { until } from '../support/trusted-layer.js'

const SEED = Number(process.env['GOSSAMER_SEED'] ?? 7)
let keys: RoomKeys

beforeAll(async () => {
  keys = await deriveRoomKeys({ room: 'channel', secret: new Uint8Array(32).fill(3) })
})

async function sessionPair(): Promise<[SessionKeys, SessionKeys]> {
  const { initiator, acceptor } = await keysOfPair(keys)
  return [initiator, acceptor]
}

/** Two channels, A → B: what A transmits, B receives (in order), opening each frame. */
async function link(limits = { frames: 10_000, bytes: 1 << 26 }) {
  const [a, b] = await sessionPair()
  const wire: Uint8Array[] = []
  const opened: Uint8Array[] = []
  const failures: Error[] = []
  const sender = new SecureChannel({ room: 'channel', local: 'A', remote: 'B', limits, transmit: (bytes) => wire.push(bytes), fail: (e) => failures.push(e) })
  const receiver = new SecureChannel({ room: 'channel', local: 'B', remote: 'A', limits, transmit: () => undefined, fail: (e) => failures.push(e) })
  sender.install(keys, a, 3)
  receiver.install(keys, b, 3)
  const deliver = (bytes: Uint8Array): boolean =>
    receiver.receive(bytes, async (data) => {
      const frame = decodeFrame(data)
      if (frame.type !== FrameType.Sealed) throw new Error('not sealed')
      opened.push(await receiver.open(frame.sealed))
    })
  return { sender, receiver, wire, opened, failures, deliver }
}

describe(`the secure channel (seed ${SEED})`, () => {
  it('transmits in order what it seals concurrently, and the other side opens it in order', async () => {
    const random = seededRandom(SEED)
    const { sender, wire, opened, failures, deliver } = await link()
    const frames = Array.from({ length: 300 }, (_, i) => Uint8Array.from({ length: 1 + randomInt(random, i % 10 === 0 ? 70_000 : 200) }, () => randomInt(random, 256)))
    for (const frame of frames) sender.sendSealed(frame)
    await until(() => wire.length === frames.length, 'every frame on the wire')
    for (const bytes of wire) deliver(bytes)
    await until(() => opened.length === frames.length, 'every frame opened')
    expect(opened.map((f) => Buffer.from(f).toString('hex'))).toEqual(frames.map((f) => Buffer.from(f).toString('hex')))
    expect(failures).toEqual([])
  })

  it('switches keys exactly between two frames, both ways', async () => {
    const { sender, receiver, wire, opened, failures, deliver } = await link()
    const [next, nextOther] = await sessionPair()
    const text = (s: string): Uint8Array => new TextEncoder().encode(s)
    sender.sendSealed(text('old 1'))
    sender.sendSealed(text('old 2 (last under the old keys)'))
    sender.switchSealer(Promise.resolve(next.sealer))
    sender.sendSealed(text('new 1'))
    await until(() => wire.length === 3)
    deliver(wire[0] as Uint8Array)
    deliver(wire[1] as Uint8Array)
    await until(() => opened.length === 2)
    receiver.switchOpener(nextOther.opener, keys, nextOther.transcriptHash)
    deliver(wire[2] as Uint8Array)
    await until(() => opened.length === 3)
    expect(opened.map((f) => new TextDecoder().decode(f))).toEqual(['old 1', 'old 2 (last under the old keys)', 'new 1'])
    expect(failures).toEqual([])
  })

  it('is bounded both ways: too much waiting fails the channel with SessionOverflowError', async () => {
    const outbound = await link({ frames: 4, bytes: 1 << 20 })
    for (let i = 0; i < 6; i++) outbound.sender.sendSealed(new Uint8Array(10))
    expect(outbound.failures.map((e) => [e.name, (e as { direction?: string }).direction])).toEqual([
      ['SessionOverflowError', 'outbound'],
      ['SessionOverflowError', 'outbound'],
    ])
    const inbound = await link({ frames: 1_000, bytes: 100 })
    expect(inbound.deliver(new Uint8Array(60))).toBe(true)
    expect(inbound.deliver(new Uint8Array(60))).toBe(false)
    expect(inbound.failures.map((e) => [e.name, (e as { direction?: string }).direction])[0]).toEqual(['SessionOverflowError', 'inbound'])
  })

  it('end() sends what is queued and refuses more; close() stops everything', async () => {
    const { sender, receiver, wire, failures, deliver } = await link()
    sender.sendSealed(new Uint8Array(5))
    const ended = sender.end()
    sender.sendSealed(new Uint8Array(5))
    await ended
    expect(wire).toHaveLength(1)
    receiver.close()
    expect(deliver(wire[0] as Uint8Array)).toBe(false)
    sender.close()
    sender.sendPlain(new Uint8Array(3))
    expect(wire).toHaveLength(1)
    expect(failures).toEqual([])
  })

  it('a step that throws fails the channel, once, with its error', async () => {
    const { receiver, failures } = await link()
    receiver.receive(new Uint8Array(1), () => Promise.reject(new Error('boom')))
    await until(() => failures.length === 1)
    expect(failures[0]?.message).toBe('boom')
  })
})
