/**
 * A members layer on a {@link RecordingContext}, for the member-layer tests: default ports
 * (no starvation, 50 ms RTTs, no checks) that a test overrides where it looks.
 */
import { LocalMember } from '../../src/layers/local-member.js'
import { Members } from '../../src/layers/members.js'
import type { MembersConfig, MembersPorts } from '../../src/layers/members-ports.js'
import type { MemberStateRecord } from '../../src/protocol/messages-members.js'
import type { RecordingContext } from './layer-harness.js'

/** A members layer for peer `self` with neighbours `neighbours()`; `config` and `ports` override the defaults. */
export function membersOn(ctx: RecordingContext, self: string, neighbours: () => readonly string[], config: Partial<MembersConfig> = {}, ports: Partial<MembersPorts> = {}): Members {
  return new Members(
    ctx,
    { probeMs: 1000, suspicionMult: 1, reapMs: 30_000, maxMembers: 100, newsBudget: 4096, refreshPerPeriod: 1, ...config },
    new LocalMember(self, 512),
    {
      neighbours,
      rtt: () => 50,
      local: () => ({ score: 0, lagMs: 0, links: [] }),
      refuted: () => undefined,
      healthFactor: () => 1,
      late: () => false,
      dead: () => undefined,
      checks: () => [],
      ...ports,
    },
  )
}

/** An unsigned state record. */
export function stateRecord(peer: string, status: MemberStateRecord['status'], incarnation: number, by = ''): MemberStateRecord {
  return { kind: 'state', peer, status, incarnation, by, signature: new Uint8Array(0) }
}
