/**
 * docs/ARCHITECTURE.md's diagram against the real import graph of `@gossamer/core`: every
 * module belongs to a box of the diagram, every arrow drawn between core boxes is a real
 * import, no layer imports another layer, and every import between the engine, the facade
 * and the layers is drawn.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const src = join(root, 'packages', 'core', 'src')

/** The diagram's core boxes, and the source files (relative to core/src) each one stands for. */
const BOXES: Record<string, (file: string) => boolean> = {
  room: (f) => ['room.ts', 'room-identity.ts', 'room-trust-setup.ts', 'room-network.ts', 'provider-state.ts', 'room-emitter.ts', 'room-lifetime.ts', 'room-rotate.ts'].includes(f),
  facade: (f) => ['room-members.ts', 'room-health.ts', 'room-metrics.ts'].includes(f),
  options: (f) => ['room-config.ts', 'room-types.ts', 'room-options.ts', 'room-stats.ts', 'yjs-instance.ts', 'option-checks.ts', 'member-types.ts'].includes(f),
  content: (f) => f === 'content.ts',
  engine: (f) => ['room-engine.ts', 'room-engine-init.ts', 'frame-routes.ts', 'transport-start.ts', 'membership.ts'].map((n) => `engine/${n}`).includes(f),
  ctx: (f) => ['engine/context.ts', 'engine/activity.ts', 'engine/dispatch.ts', 'engine/session-ports.ts', 'engine/frame-meter.ts'].includes(f),
  session: (f) =>
    ['session-layer.ts', 'session.ts', 'session-table.ts', 'session-release.ts', 'session-frame-check.ts', 'session-dial.ts', 'handshake.ts', 'session-join.ts', 'session-trust.ts', 'session-auth.ts', 'session-rekey.ts', 'secure-channel.ts']
      .map((n) => `layers/${n}`)
      .includes(f),
  overlay: (f) => ['overlay.ts', 'admission.ts', 'outbound-quota.ts', 'peer-views.ts', 'reservations.ts', 'shuffle-pacing.ts', 'rediscovery.ts', 'rewiring.ts'].map((n) => `layers/${n}`).includes(f),
  liveness: (f) => f === 'layers/liveness.ts',
  broadcast: (f) => f === 'layers/broadcast.ts' || f === 'layers/push-tree.ts' || f === 'layers/publish-pacer.ts' || f === 'layers/forward-pacer.ts',
  repair: (f) => f === 'layers/repair.ts',
  presence: (f) => ['presence.ts', 'presence-signed.ts', 'presence-relay.ts', 'presence-awareness.ts', 'presence-pace.ts', 'presence-outbox.ts'].map((n) => `layers/${n}`).includes(f),
  relay: (f) => f === 'layers/mesh-relay.ts',
  score: (f) => f === 'layers/peer-score.ts' || f === 'layers/peer-budgets.ts',
  limits: (f) => f.startsWith('limits/'),
  members: (f) => ['failure-detector.ts', 'failure-detector-ports.ts', 'link-rtt.ts', 'local-health.ts', 'local-member.ts', 'member-news.ts', 'member-gossip.ts', 'member-digests.ts', 'member-outcomes.ts', 'member-signing.ts', 'member-table.ts', 'member-view.ts', 'members.ts', 'members-ports.ts', 'self-records.ts', 'suspicion-timers.ts', 'mass-failure.ts', 'member-refresh.ts', 'room-events.ts', 'event-signing.ts', 'query-routes.ts'].map((n) => `layers/${n}`).includes(f),
  replica: (f) => f === 'replica.ts',
  persistence: (f) => f === 'persistence.ts' || f === 'trusted-storage.ts',
  storage: (f) => f.startsWith('storage/') && f !== 'storage/adapter.ts',
  protocol: (f) => f.startsWith('protocol/'),
  seams: (f) => ['transport.ts', 'storage/adapter.ts', 'clock.ts', 'random.ts'].includes(f),
  transports: (f) => f.startsWith('transports/'),
  vclock: (f) => f === 'virtual-clock.ts',
  crypto: (f) => f.startsWith('crypto/'),
  trust: (f) => f.startsWith('trust/'),
}
/** Small helpers every box may use; the diagram leaves them out. */
const HELPERS = new Set(['errors.ts', 'member-errors.ts', 'hash.ts', 'bounded-set.ts', 'token-bucket.ts', 'emitter.ts', 'gate.ts', 'index.ts'])
const LAYERS = ['session', 'overlay', 'liveness', 'broadcast', 'repair', 'presence', 'relay', 'score', 'members']

function boxOf(file: string): string | undefined {
  return Object.entries(BOXES).find(([, has]) => has(file))?.[0]
}

function sources(): string[] {
  return (readdirSync(src, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => f.split('\\').join('/'))
}

/** Edges between boxes, from every relative import of every core source file. */
function importEdges(): Set<string> {
  const edges = new Set<string>()
  for (const file of sources()) {
    const from = boxOf(file)
    if (from === undefined) continue
    const text = readFileSync(join(src, file), 'utf8')
    for (const match of text.matchAll(/from '(\.[^']+)'/g)) {
      const target = relative(src, resolve(dirname(join(src, file)), match[1] as string)).replace(/\.js$/, '.ts').split('\\').join('/')
      const to = boxOf(target)
      if (to !== undefined && to !== from) edges.add(`${from} --> ${to}`)
    }
  }
  return edges
}

/** The arrows of the diagram, as `a --> b`. */
function diagramEdges(): Set<string> {
  const doc = readFileSync(join(root, 'docs', 'ARCHITECTURE.md'), 'utf8')
  const block = /```mermaid\n([\s\S]*?)```/.exec(doc)?.[1]
  if (block === undefined) throw new Error('docs/ARCHITECTURE.md has no mermaid diagram')
  return new Set([...block.matchAll(/^\s*(\w+) --> (\w+)\s*$/gm)].map((m) => `${m[1]} --> ${m[2]}`))
}

describe('docs/ARCHITECTURE.md matches the import graph', () => {
  it('every core module belongs to a box of the diagram', () => {
    const orphans = sources().filter((f) => !HELPERS.has(f) && boxOf(f) === undefined)
    expect(orphans).toEqual([])
  })

  it('every arrow drawn between core boxes is a real import', () => {
    const real = importEdges()
    const drawn = [...diagramEdges()].filter((e) => e.split(' --> ').every((box) => box in BOXES))
    expect(drawn.length).toBeGreaterThan(20)
    expect(drawn.filter((e) => !real.has(e))).toEqual([])
  })

  it('no layer imports another layer, and every import of the engine, the facade and the layers is drawn', () => {
    const real = [...importEdges()]
    expect(real.filter((e) => { const [a, b] = e.split(' --> ') as [string, string]; return LAYERS.includes(a) && LAYERS.includes(b) })).toEqual([])
    const drawn = diagramEdges()
    const structural = real.filter((e) => {
      const [a, b] = e.split(' --> ') as [string, string]
      return (a === 'room' || a === 'facade' || a === 'engine') && b !== 'seams' && b !== 'ctx' ? true : LAYERS.includes(a) && (b === 'content' || b === 'ctx')
    })
    expect(structural.filter((e) => !drawn.has(e))).toEqual([])
  })
})
