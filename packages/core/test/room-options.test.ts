/**
 * Every misuse of `createRoom` fails there, with a typed error that names the option: a
 * `ConfigError` for a missing, unknown or invalid option or an out-of-range number, and a
 * `TransportInUseError` (a ConfigError) for a transport given to two rooms.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Awareness } from 'y-protocols/awareness'
import { ConfigError, createRoom, memoryNetwork, TransportInUseError, type Room, type RoomOptions } from '../src/index.js'

let rooms: Room[] = []
afterEach(async () => {
  await Promise.all(rooms.map((r) => r.close()))
  rooms = []
})

/** createRoom with options that TypeScript would refuse: what a JavaScript app may pass. */
const create = (options: unknown): Room => {
  const room = createRoom(options as RoomOptions)
  rooms.push(room)
  return room
}

describe('createRoom option checks', () => {
  const doc = new Y.Doc()
  const network = memoryNetwork()
  const base = (): Record<string, unknown> => ({ name: 'r', doc, transports: [] })

  const cases: [string, () => unknown, RegExp][] = [
    ['no options', () => undefined, /needs an options object/],
    ['no doc', () => ({ name: 'r', transports: [] }), /`doc` must be a Y\.Doc.*got undefined/],
    ['a doc that is not a Y.Doc', () => ({ ...base(), doc: {} }), /`doc` must be a Y\.Doc/],
    ['no transports', () => ({ name: 'r', doc }), /`transports` must be an array.*got undefined/],
    ['transports that are not an array', () => ({ ...base(), transports: network.transport() }), /`transports` must be an array/],
    ['a transport that is not one', () => ({ ...base(), transports: [{ name: 'x' }] }), /`transports\[0\]` must be a transport.*without start\(\)/],
    ['an undefined transport', () => ({ ...base(), transports: [undefined] }), /`transports\[0\]` must be a transport/],
    ['no name', () => ({ doc, transports: [] }), /`name` must be a string/],
    ['a name that is not a string', () => ({ ...base(), name: 42 }), /`name` must be a string of 1\.\.256 UTF-8 bytes, got 42/],
    ['a name too long', () => ({ ...base(), name: 'x'.repeat(300) }), /`name` must be a string/],
    ['a peer id that is not one', () => ({ ...base(), peerId: 'not hex!' }), /`peerId` must be 1\.\.64 characters.*got "not hex!"/],
    ['a peer id too long', () => ({ ...base(), peerId: 'a'.repeat(65) }), /`peerId`/],
    ['a peer id that is a number', () => ({ ...base(), peerId: 7 }), /`peerId`/],
    ['maxPassive: -5', () => ({ ...base(), maxPassive: -5 }), /`maxPassive` must be an integer in 1\.\.10000, got -5/],
    ['maxNeighbours: 0', () => ({ ...base(), maxNeighbours: 0 }), /`maxNeighbours` must be an integer in 1\.\.128, got 0/],
    ['maxNeighbours: 2.5', () => ({ ...base(), maxNeighbours: 2.5 }), /`maxNeighbours`/],
    ['maxNeighbours: 1000', () => ({ ...base(), maxNeighbours: 1000 }), /`maxNeighbours`/],
    ['minNeighbours above maxNeighbours', () => ({ ...base(), maxNeighbours: 2, minNeighbours: 3 }), /`minNeighbours` must be an integer in 1\.\.2, got 3/],
    ['roundMs: 0', () => ({ ...base(), roundMs: 0 }), /`roundMs` must be a number in 1\.\.3600000, got 0/],
    ['roundMs: NaN', () => ({ ...base(), roundMs: Number.NaN }), /`roundMs`/],
    ['roundMs as a string', () => ({ ...base(), roundMs: '1000' }), /`roundMs`.*got "1000"/],
    ['suspectAfterRounds: 0', () => ({ ...base(), suspectAfterRounds: 0 }), /`suspectAfterRounds`/],
    ['shuffleEveryRounds: -1', () => ({ ...base(), shuffleEveryRounds: -1 }), /`shuffleEveryRounds`/],
    ['reconnectEveryRounds: Infinity', () => ({ ...base(), reconnectEveryRounds: Number.POSITIVE_INFINITY }), /`reconnectEveryRounds`/],
    ['push: "yes"', () => ({ ...base(), push: 'yes' }), /`push` must be true or false, got "yes"/],
    ['presence: 1', () => ({ ...base(), presence: 1 }), /`presence` must be true or false/],
    ['connect: "no"', () => ({ ...base(), connect: 'no' }), /`connect` must be true or false/],
    ['an awareness of another doc', () => ({ ...base(), awareness: new Awareness(new Y.Doc()) }), /`awareness` must belong to `doc`/],
    ['an awareness that is not one', () => ({ ...base(), awareness: {} }), /`awareness` must be a y-protocols Awareness/],
    ['storage that is not a StorageAdapter', () => ({ ...base(), storage: { load: () => undefined } }), /`storage` must be a StorageAdapter.*without save\(\)/],
    ['a clock without timers', () => ({ ...base(), clock: { now: () => 0 } }), /`clock` must be a Clock/],
    ['a random source that is a function', () => ({ ...base(), random: Math.random }), /`random` must be a RandomSource/],
    ['a signal that is not one', () => ({ ...base(), signal: 'stop' }), /`signal` must be an AbortSignal/],
    ['writers that are not an array', () => ({ ...base(), secret: 'q3JxVbq8m2JrQ5fTn0sYl7cE1dH4kP9wZ6uA2bX8vN0', writers: 'me' }), /`writers` must be an array/],
    ['an identity that is not one', () => ({ ...base(), secret: 'q3JxVbq8m2JrQ5fTn0sYl7cE1dH4kP9wZ6uA2bX8vN0', identity: { peerId: 'x' } }), /`identity` must be an IdentityKeyPair/],
    ['an identity without a secret', () => ({ ...base(), identity: {} }), /`identity` needs a room `secret`/],
    ['a peer id in a room with a secret', () => ({ ...base(), secret: 'q3JxVbq8m2JrQ5fTn0sYl7cE1dH4kP9wZ6uA2bX8vN0', peerId: 'abc' }), /takes its peer id from its identity key/],
    ['a misspelt option', () => ({ ...base(), maxNeighbors: 4 }), /unknown room option `maxNeighbors`/],
    ["y-webrtc's signaling option", () => ({ ...base(), signaling: ['ws://localhost:4444'] }), /unknown room option `signaling`: .*webrtc\(\{ signaling \}\)/],
    ["y-webrtc's maxConns option", () => ({ ...base(), maxConns: 20 }), /`maxConns`: use `maxNeighbours`/],
    ["y-webrtc's filterBcConns option", () => ({ ...base(), filterBcConns: false }), /`filterBcConns`: .*broadcastChannel\(\)/],
    ["y-webrtc's peerOpts option", () => ({ ...base(), peerOpts: {} }), /`peerOpts`: .*webrtc\(/],
  ]

  it.each(cases)('%s: ConfigError', (_what, options, message) => {
    let thrown: unknown
    try {
      create(options())
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(ConfigError)
    expect((thrown as Error).name).toMatch(/ConfigError$/)
    expect((thrown as Error).message).toMatch(message)
  })

  it('accepts every option at its bounds', () => {
    const room = create({
      name: 'r',
      doc: new Y.Doc(),
      transports: [],
      peerId: 'A-z_0-9',
      maxNeighbours: 1,
      minNeighbours: 1,
      maxPassive: 1,
      roundMs: 1,
      suspectAfterRounds: 1,
      shuffleEveryRounds: 1,
      reconnectEveryRounds: 1,
      push: false,
      presence: false,
      connect: false,
    })
    expect(room.peerId).toBe('A-z_0-9')
  })
})

describe('one room per transport', () => {
  it('a transport given to a second room fails at createRoom with a TransportInUseError', async () => {
    const network = memoryNetwork()
    const shared = network.transport()
    create({ name: 'first', doc: new Y.Doc(), transports: [shared] })
    let thrown: unknown
    try {
      create({ name: 'second', doc: new Y.Doc(), transports: [shared] })
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(TransportInUseError)
    expect(thrown).toBeInstanceOf(ConfigError)
    expect((thrown as Error).name).toBe('TransportInUseError')
    expect((thrown as Error).message).toMatch(/memory transport already serves room "first", so room "second" cannot use it/)
  })

  it('a transport stays taken after its room closed', async () => {
    const transport = memoryNetwork().transport()
    const first = create({ name: 'first', doc: new Y.Doc(), transports: [transport] })
    await first.close()
    expect(() => create({ name: 'again', doc: new Y.Doc(), transports: [transport] })).toThrow(TransportInUseError)
  })

  it('a transport listed twice in one room is a ConfigError', () => {
    const transport = memoryNetwork().transport()
    expect(() => create({ name: 'r', doc: new Y.Doc(), transports: [transport, transport] })).toThrow(/`transports\[1\]` is the same transport as transports\[0\]/)
  })

  it('a room that fails on a taken transport leaves its other transports free', () => {
    const network = memoryNetwork()
    const taken = network.transport()
    const free = network.transport()
    create({ name: 'owner', doc: new Y.Doc(), transports: [taken] })
    expect(() => create({ name: 'failed', doc: new Y.Doc(), transports: [free, taken] })).toThrow(TransportInUseError)
    expect(() => create({ name: 'later', doc: new Y.Doc(), transports: [free] })).not.toThrow()
  })
})
