import * as Y from 'yjs'
import fs from 'node:fs'
const room = fs.readFileSync('/tmp/conv/room-state.bin')
const peer = fs.readFileSync('/tmp/conv/peer-state.bin')
const d = new Y.Doc()
Y.applyUpdate(d, room)
console.log('fresh doc from room state: sv', Buffer.from(Y.encodeStateVector(d)).toString('hex'), 'pending', d.store.pendingStructs !== null)
console.log('room sv', fs.readFileSync('/tmp/conv/room-sv.bin').toString('hex'))
const dec = Y.decodeUpdate(room)
for (const s of dec.structs) console.log(s.constructor.name, s.id.client, s.id.clock, s.length, (s as any).parent?.constructor?.name ?? (s as any).parent, (s as any).origin ? JSON.stringify((s as any).origin) : '', (s as any).content?.constructor?.name)
console.log('ds', JSON.stringify([...dec.ds.clients].map(([c, r]) => [c, r.map(x => [x.clock, x.len])])))
console.log('missing', d.store.pendingStructs ? [...d.store.pendingStructs.missing] : null)
for (const s of dec.structs) if (s.id.client === 3003 || s.id.client === 1001) console.log(s.id.client, s.id.clock, s.length, 'rightOrigin', JSON.stringify((s as any).rightOrigin), 'parent', JSON.stringify((s as any).parent), 'sub', (s as any).parentSub)
