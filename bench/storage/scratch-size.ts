import * as Y from 'yjs'
import { seededRandom, randomInt } from '../../packages/core/src/random.js'
function hier(updates: Uint8Array[], k: number): Uint8Array {
  let level = updates
  while (level.length > 1) {
    const next: Uint8Array[] = []
    for (let i = 0; i < level.length; i += k) next.push(level.length - i === 1 ? level[i]! : Y.mergeUpdates(level.slice(i, i + k)))
    level = next
  }
  return level[0]!
}
for (const kind of ['text', 'text-del50', 'map-overwrite']) {
  const r = seededRandom(1)
  const doc = new Y.Doc()
  const t = doc.getText('t')
  const m = doc.getMap('m')
  const updates: Uint8Array[] = []
  doc.on('update', (u: Uint8Array) => updates.push(u))
  for (let i = 0; i < 10000; i++) {
    if (kind === 'map-overwrite') m.set('k' + randomInt(r, 10), 'value-' + i + '-'.repeat(20))
    else if (kind === 'text-del50' && t.length > 0 && r.next() < 0.5) t.delete(randomInt(r, t.length), 1)
    else t.insert(randomInt(r, t.length + 1), 'x')
  }
  const state = Y.encodeStateAsUpdate(doc).byteLength
  for (const k of [8, 16, 32, 64]) {
    const t0 = performance.now()
    const merged = hier(updates, k).byteLength
    console.log(kind, { k, state, merged, ratio: (merged / state).toFixed(3), ms: (performance.now() - t0).toFixed(0) })
  }
  const t1 = performance.now()
  for (let i = 0; i < 20; i++) Y.decodeUpdate(Y.encodeStateAsUpdate(doc))
  console.log('decode+encode state ms', ((performance.now() - t1) / 20).toFixed(1))
}
