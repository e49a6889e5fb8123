/**
 * @packageDocumentation
 * Testing tools for Gossamer: the deterministic network simulator (virtual clock, seeded
 * randomness, latency, loss, partitions, crashes, churn) that runs the real engine, and
 * small wait helpers. The conformance suites (transport, storage, signal path), which need
 * vitest, are in `@gossamer/testing/conformance`.
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
export * from './wait.js'
export { patternBytes } from './pattern.js'
export * from './adversaries/index.js'
export { runFailureDetection, overlayConnected } from './sim/failure-detection.js'
export type { FailureDetectionOptions, FailureDetectionResult, FailureDetectionFigures } from './sim/failure-detection.js'
export { StallSchedule, starvedClock, stallDelay, DEFAULT_STARVE } from './sim/starvation.js'
export type { StarveShape } from './sim/starvation.js'
