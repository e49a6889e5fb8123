// The same API from CommonJS: these imports compile to require() and use the .d.cts types.
import Y = require('yjs')
import core = require('@gossamer/core')
import rtc = require('@gossamer/webrtc')
import idb = require('@gossamer/storage-idb')
import signaling = require('@gossamer/signaling-server')
import testing = require('@gossamer/testing')
import react = require('@gossamer/react')

function make(): core.Room {
  const transports: core.Transport[] = [rtc.webrtc({ signaling: ['ws://127.0.0.1:4444'] })]
  const storage: core.StorageAdapter = idb.indexeddb()
  const room = core.createRoom({ name: 'notes', doc: new Y.Doc(), transports, storage })
  const port: number = signaling.DEFAULT_PORT
  const wait: Promise<void> = testing.waitFor(() => port > 0)
  void wait
  const hook: typeof react.useRoom = react.useRoom
  void hook
  return room
}

export = make
