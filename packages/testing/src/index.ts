/**
 * @packageDocumentation
 * Testing tools for Gossamer: the conformance suites every transport, storage adapter and
 * signal path runs, the deterministic network simulator (virtual clock, seeded randomness,
 * latency, loss, partitions, crashes, churn) that runs the real engine, and small wait
 * helpers.
 *
 * @example
 * ```ts
 * import { Simulation } from '@gossamer/testing'
 *
 * const sim = await Simulation.create({ peers: 100, seed: 42 })
 * sim.peers[0]!.doc.getText('t').insert(0, 'hello')
 * await sim.runUntil(() => sim.converged(), 30_000)
 * ```
 */
/** The virtual clock lives in core (users test on virtual time with it); re-exported here. */
export { VirtualClock, flushMicrotasks } from '@gossamer/core'
export { Simulation, docDigest, peerIdOf } from './sim/simulation.js'
export type { SimulationOptions, SimPeer, SimRoomOptions } from './sim/simulation.js'
export { runSpread } from './sim/spread.js'
export type { SpreadOptions, SpreadResult } from './sim/spread.js'
export * from './conformance/transport.js'
export * from './wait.js'
export { patternBytes } from './pattern.js'
export * from './conformance/storage.js'
export * from './conformance/signaling.js'
