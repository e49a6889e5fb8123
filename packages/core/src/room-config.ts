/**
 * A room's options, validated and with their defaults filled in. Every option is checked
 * at `createRoom`, so a mistake throws a {@link ConfigError} that names the option there,
 * instead of a TypeError or odd behaviour later.
 */
import { passwordBytes, roomSecretBytes } from './crypto/secret.js'
import { ConfigError } from './errors.js'
import { resolveLimits } from './limits/content-limits.js'
import { resolveBudgets } from './layers/peer-score.js'
import { booleanOption, integerOption, numberOption, shapeOption, shown } from './option-checks.js'
import { LIMITS } from './protocol/messages.js'
import type { MembersOptions } from './member-types.js'
import type { RoomOptions } from './room-options.js'
import { assertSameYjs } from './yjs-instance.js'

/** Chance that a peer rewires one link to a random known peer, per reconnect period. */
export const REWIRE_CHANCE = 1 / 8

/** What a peer id may be: 1 to 64 characters of the URL-safe alphabet (what every transport and the signaling server accept). */
export const PEER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

/** Every option of {@link RoomOptions}: the type makes a new option fail to compile until it is listed. */
const OPTION_NAMES: Record<keyof RoomOptions, true> = {
  name: true, doc: true, transports: true, peerId: true, maxNeighbours: true, minNeighbours: true, maxPassive: true,
  roundMs: true, push: true, suspectAfterRounds: true, shuffleEveryRounds: true, reconnectEveryRounds: true,
  presence: true, awareness: true, storage: true, secret: true, password: true, writers: true, identity: true,
  encryptStorage: true, clock: true, random: true, signal: true, connect: true, limits: true, budgets: true, members: true,
}
const KNOWN_OPTIONS = new Set(Object.keys(OPTION_NAMES))

/** Where y-webrtc's provider options went. */
const MOVED: Record<string, string> = {
  signaling: 'signaling servers belong to the WebRTC transport: `transports: [webrtc({ signaling })]`',
  maxConns: 'use `maxNeighbours` (default 6)',
  filterBcConns: 'tabs of one browser connect through the `broadcastChannel()` transport: leave it out of `transports` to keep them apart',
  peerOpts: 'WebRTC settings belong to the transport: `webrtc({ iceServers, ... })`',
}

const TRANSPORT_METHODS = ['start', 'join', 'leave', 'dial', 'stop', 'on', 'off'] as const
const STORAGE_METHODS = ['load', 'save', 'remove', 'loadRange', 'removeRange', 'batch'] as const

/** The tunables of a room, resolved from {@link RoomOptions}. */
export type RoomConfig = ReturnType<typeof resolveRoomOptions>

/** Validates `options` (throwing a {@link ConfigError}) and fills in the defaults. */
export function resolveRoomOptions(options: RoomOptions) {
  if (typeof options !== 'object' || options === null) throw new ConfigError(`createRoom needs an options object ({ name, doc, transports }), got ${shown(options)}`)
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new ConfigError(`unknown room option \`${key}\`${key in MOVED ? `: ${MOVED[key]}` : ''}`)
  }
  if (typeof options.name !== 'string' || options.name.length === 0 || new TextEncoder().encode(options.name).length > LIMITS.roomBytes)
    throw new ConfigError(`\`name\` must be a string of 1..${LIMITS.roomBytes} UTF-8 bytes, got ${shown(options.name)}`)
  assertSameYjs(options.doc, 'doc')
  checkTransports(options.transports)
  if (options.peerId !== undefined && (typeof options.peerId !== 'string' || !PEER_ID_PATTERN.test(options.peerId)))
    throw new ConfigError(`\`peerId\` must be 1..${LIMITS.peerIdBytes} characters of A-Z, a-z, 0-9, _ and -, got ${shown(options.peerId)}`)
  // WebRTC connections are costly: browsers cap them at a few hundred per page.
  const maxNeighbours = integerOption('maxNeighbours', options.maxNeighbours, 6, 1, 128)
  const minNeighbours = integerOption('minNeighbours', options.minNeighbours, Math.max(1, maxNeighbours - 1), 1, maxNeighbours)
  const roundMs = numberOption('roundMs', options.roundMs, 1000, 1, 3_600_000)
  shapeOption('awareness', options.awareness, ['getStates', 'getLocalState', 'setLocalState', 'on', 'off'], 'a y-protocols Awareness')
  if (options.awareness !== undefined && options.awareness.doc !== options.doc) throw new ConfigError('`awareness` must belong to `doc` (new Awareness(doc))')
  shapeOption('storage', options.storage, STORAGE_METHODS, 'a StorageAdapter (e.g. indexeddb() or sqlite())')
  shapeOption('clock', options.clock, ['now', 'setTimeout', 'clearTimeout'], 'a Clock')
  shapeOption('random', options.random, ['next'], 'a RandomSource')
  if (options.signal !== undefined && !(typeof options.signal === 'object' && options.signal !== null && typeof options.signal.aborted === 'boolean' && typeof options.signal.addEventListener === 'function'))
    throw new ConfigError(`\`signal\` must be an AbortSignal, got ${shown(options.signal)}`)
  booleanOption('connect', options.connect, true)
  const trusted = checkTrust(options)
  if (!trusted && options.transports.some((t) => t.name !== 'memory')) {
    console.warn(`gossamer: room "${options.name}" has no secret: anyone who learns its name can read and write it (see the secret option)`)
  }
  return {
    /** The room has a secret (or password): authenticated peers, encrypted frames, author-bound writes. */
    trusted,
    /** Seal every stored blob with the room's storage key. */
    encryptStorage: options.encryptStorage === true,
    maxNeighbours,
    minNeighbours,
    roundMs,
    maxPassive: integerOption('maxPassive', options.maxPassive, 30, 1, 10_000),
    push: booleanOption('push', options.push, true),
    presence: booleanOption('presence', options.presence, true),
    suspectAfterRounds: integerOption('suspectAfterRounds', options.suspectAfterRounds, 5, 1, 1000),
    shuffleEveryRounds: integerOption('shuffleEveryRounds', options.shuffleEveryRounds, 10, 1, 100_000),
    reconnectEveryRounds: integerOption('reconnectEveryRounds', options.reconnectEveryRounds, 10, 1, 100_000),
    /** How much one frame may ask of this peer (docs/SECURITY.md, Limits). */
    limits: resolveLimits(options.limits),
    /** Per-peer budgets and scoring (docs/SECURITY.md, Budgets and scoring). */
    budgets: resolveBudgets(options.budgets),
    members: resolveMembers(options.members ?? {}, roundMs),
  }
}

/** The membership tunables, validated, with their defaults. */
export type MembersConfig = ReturnType<typeof resolveMembers>

function resolveMembers(options: MembersOptions, roundMs: number) {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new ConfigError(`\`members\` must be an object of membership options, got ${shown(options)}`)
  const positive = (name: string, value: number): number => {
    if (!(Number.isFinite(value) && value > 0)) throw new ConfigError(`members.${name} must be a number > 0`)
    return value
  }
  const integer = (name: string, value: number, min: number): number => {
    if (!Number.isInteger(value) || value < min) throw new ConfigError(`members.${name} must be an integer ≥ ${min}`)
    return value
  }
  return {
    // Probing faster than once a second buys little (a suspicion still waits for refutation) and
    // costs CPU and false suspicions on a busy machine: rooms with fast rounds probe at 1 s.
    probeMs: positive('probeMs', options.probeMs ?? Math.max(roundMs, 1000)),
    helpers: integer('helpers', options.helpers ?? 3, 0),
    localHealth: options.localHealth ?? true,
    maxHealthScore: 8,
    suspicionMult: positive('suspicionMult', options.suspicionMult ?? 1),
    reapMs: positive('reapMs', options.reapMs ?? 300_000),
    maxMembers: integer('maxMembers', options.maxMembers ?? 1000, 1),
    maxMetaBytes: integer('maxMetaBytes', options.maxMetaBytes ?? 512, 0),
    /** Member records flooded per probe period at most (news beyond waits a period). */
    newsBudget: 4096,
    /**
     * Self-refreshes of `alive` the whole room sends per probe period, on average (the refresh
     * period grows with the room). Each rides on probes and acks (a few records' worth of
     * bytes per peer, no frame of its own), so 0.25 keeps it small whatever the room's size.
     */
    refreshPerPeriod: 0.25,
    /** Emits of one event name within this window send only the last. */
    coalesceMs: 20,
  }
}

/** `transports` is an array of distinct transports (it may be empty: a room that only stores). */
function checkTransports(transports: unknown): void {
  if (!Array.isArray(transports)) {
    throw new ConfigError(`\`transports\` must be an array of transports (e.g. [webrtc({ signaling })], or [] for a room that only stores), got ${shown(transports)}`)
  }
  for (const [i, transport] of transports.entries()) {
    shapeOption(`transports[${i}]`, transport ?? null, TRANSPORT_METHODS, 'a transport (webrtc(), broadcastChannel(), network.transport())')
    const first = transports.indexOf(transport)
    if (first !== i) throw new ConfigError(`\`transports[${i}]\` is the same transport as transports[${first}]: list each transport once`)
  }
}

/** Checks the trust options: a secret xor a password; writers, an identity and storage encryption only with one; no chosen peer id then. */
function checkTrust(options: RoomOptions): boolean {
  const { secret, password } = options
  if (secret !== undefined && password !== undefined) throw new ConfigError('give a room `secret` or a `password`, not both')
  // Throw WeakSecretError (a ConfigError) now, at createRoom, rather than later from the key derivation.
  if (secret !== undefined) roomSecretBytes(secret).fill(0)
  if (password !== undefined) passwordBytes(password).fill(0)
  const trusted = secret !== undefined || password !== undefined
  if (options.writers !== undefined && !Array.isArray(options.writers)) throw new ConfigError(`\`writers\` must be an array of peer ids, got ${shown(options.writers)}`)
  if (!trusted && options.writers !== undefined) throw new ConfigError('`writers` needs a room `secret` or `password`')
  if (!trusted && options.identity !== undefined) throw new ConfigError('`identity` needs a room `secret` or `password`')
  if (!trusted && options.encryptStorage === true) throw new ConfigError('`encryptStorage` needs a room `secret` or `password` (its storage key)')
  shapeOption('identity', options.identity, ['sign', 'export'], 'an IdentityKeyPair (generateIdentity() or importIdentity())')
  if (options.identity !== undefined && !(options.identity.publicKey instanceof Uint8Array && options.identity.publicKey.length === 32))
    throw new ConfigError('`identity.publicKey` must be a 32-byte Ed25519 public key')
  if (trusted && options.peerId !== undefined) throw new ConfigError('a room with a secret takes its peer id from its identity key; leave `peerId` out')
  return trusted
}
