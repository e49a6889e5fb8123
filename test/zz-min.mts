import * as Y from 'yjs'
const hex = (u: Uint8Array) => Buffer.from(u).toString('hex')
// The room's document: client 3003 typed "hello" into text.
const room = new Y.Doc(); room.clientID = 1
const author = new Y.Doc(); author.clientID = 3003
author.getText('text').insert(0, 'hello')
Y.applyUpdate(room, Y.encodeStateAsUpdate(author))
console.log('room text', room.getText('text').toString(), 'sv', hex(Y.encodeStateVector(room)))
// Hostile: a struct with the SAME id (3003:0) whose origin is a struct no one has (896:3).
const forger = new Y.Doc(); forger.clientID = 896
forger.getText('text').insert(0, 'abcd')
const evil = new Y.Doc(); evil.clientID = 3003
Y.applyUpdate(evil, Y.encodeStateAsUpdate(forger))
evil.getText('text').insert(4, 'XXXXX') // 3003:0..5 with origin 896:3
const forged = Y.encodeStateAsUpdate(evil, Y.encodeStateVector(forger)) // only 3003's structs: depends on 896
Y.decodeUpdate(forged) // parses
const before = hex(Y.encodeStateVector(room))
Y.applyUpdate(room, forged)
console.log('after forged: text', room.getText('text').toString(), 'sv unchanged', hex(Y.encodeStateVector(room)) === before, 'pending', room.store.pendingStructs !== null)
// A well-behaved newcomer syncs from the room:
const peer = new Y.Doc(); peer.clientID = 2
Y.applyUpdate(peer, Y.encodeStateAsUpdate(room, Y.encodeStateVector(peer)))
console.log('newcomer text', JSON.stringify(peer.getText('text').toString()), 'sv', hex(Y.encodeStateVector(peer)), 'pending', peer.store.pendingStructs !== null)
