// require() every package from CommonJS and check a few exports of each.
const assert = require('node:assert')
const checks = {
  '@gossamer/core': ['createRoom', 'memoryNetwork', 'broadcastChannel', 'ConfigError'],
  '@gossamer/webrtc': ['webrtc'],
  '@gossamer/storage-idb': ['indexeddb'],
  '@gossamer/signaling-server': ['createSignalingServer'],
  '@gossamer/testing': ['Simulation', 'waitFor'],
  '@gossamer/react': ['useRoom', 'useYText', 'usePresence', 'usePeers', 'useStatus'],
}
for (const [name, exports] of Object.entries(checks)) {
  const mod = require(name)
  for (const key of exports) assert.equal(typeof mod[key], 'function', `${name}.${key}`)
  assert.match(require.resolve(name), /\.cjs$/, `${name} resolves to its CommonJS build`)
}
// One Yjs for require() users too: core's CommonJS build and the app share yjs's CommonJS build.
const Y = require('yjs')
const { createRoom, memoryNetwork } = require('@gossamer/core')
const room = createRoom({ name: 'cjs', doc: new Y.Doc(), transports: [memoryNetwork().transport()] })
room.close().then(() => console.log(`require: ${Object.keys(checks).length} packages load from CommonJS`))
