/**
 * Scripted adversaries for hostile-load tests, the simulator and users' own checks: each
 * joins a room as a raw peer and attacks it (docs/SECURITY.md, Hostile load).
 */
export { HostilePeer } from './hostile-peer.js'
export type { HostilePeerInit, HostilePeerStats } from './hostile-peer.js'
export { ScriptedAdversary } from './scripted-adversary.js'
export type { Adversary, AdversaryInit, AdversaryStep } from './scripted-adversary.js'
export { flooder } from './flooder.js'
export type { FlooderInit } from './flooder.js'
export { oversizer, gcFlood } from './oversizer.js'
export type { OversizerInit } from './oversizer.js'
export { awarenessSpammer, spamAwareness } from './awareness-spammer.js'
export type { AwarenessSpammerInit } from './awareness-spammer.js'
export { NO_SCORING } from './no-scoring.js'
export { pruner } from './pruner.js'
export type { PrunerInit } from './pruner.js'
export { liar } from './liar.js'
export type { LiarInit } from './liar.js'
export { eclipser } from './eclipser.js'
export type { Eclipser, EclipserInit } from './eclipser.js'
