import * as Y from 'yjs'
const hex = (u: Uint8Array) => Buffer.from(u).toString('hex')
function trial(realLen: number, splitAt: number, evilLen: number, evilPrefix: number) {
  const room = new Y.Doc(); room.clientID = 1
  const author = new Y.Doc(); author.clientID = 3003
  author.getText('text').insert(0, 'h'.repeat(realLen))
  Y.applyUpdate(room, Y.encodeStateAsUpdate(author))
  if (splitAt > 0) room.getText('text').insert(splitAt, 'Z') // splits 3003's item in the room's store
  const forger = new Y.Doc(); forger.clientID = 896
  forger.getText('text').insert(0, 'abcd')
  const evil = new Y.Doc(); evil.clientID = 3003
  Y.applyUpdate(evil, Y.encodeStateAsUpdate(forger))
  evil.getText('text').insert(evilPrefix, 'X'.repeat(evilLen))
  const forged = Y.encodeStateAsUpdate(evil, Y.encodeStateVector(forger))
  Y.applyUpdate(room, forged)
  // sync back and forth a few rounds like anti-entropy does
  const peer = new Y.Doc(); peer.clientID = 2
  for (let i = 0; i < 5; i++) {
    Y.applyUpdate(peer, Y.encodeStateAsUpdate(room, Y.encodeStateVector(peer)))
    Y.applyUpdate(room, Y.encodeStateAsUpdate(peer, Y.encodeStateVector(room)))
  }
  const same = hex(Y.encodeStateVector(room)) === hex(Y.encodeStateVector(peer)) && room.getText('text').toString() === peer.getText('text').toString()
  return `${realLen}/${splitAt}/${evilLen}/${evilPrefix}: room ${hex(Y.encodeStateVector(room))} ${JSON.stringify(room.getText('text').toString())} | peer ${hex(Y.encodeStateVector(peer))} ${JSON.stringify(peer.getText('text').toString())} ${same ? 'converged' : 'DIVERGED'}`
}
for (const realLen of [3, 5]) for (const splitAt of [0, 1, 2]) for (const evilLen of [2, 5, 8]) for (const evilPrefix of [0, 3, 4]) {
  const r = trial(realLen, splitAt, evilLen, evilPrefix)
  if (r.includes('DIVERGED')) console.log(r)
}
console.log('done')
