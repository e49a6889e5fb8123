// import every package from ESM, and check that a Y.Doc from another copy of yjs (here the
// CommonJS build, loaded beside the ESM one) fails at createRoom with a ConfigError.
import assert from 'node:assert'
import { createRequire } from 'node:module'
import * as Y from 'yjs'
import { createRoom, memoryNetwork } from '@gossamer/core'

for (const name of ['@gossamer/core', '@gossamer/webrtc', '@gossamer/storage-idb', '@gossamer/signaling-server', '@gossamer/testing', '@gossamer/react']) {
  const mod = await import(name)
  assert.ok(Object.keys(mod).length > 0, name)
  assert.match(import.meta.resolve(name), /\/dist\/index\.js$/, `${name} resolves to its ESM build`)
}
const ok = createRoom({ name: 'esm', doc: new Y.Doc(), transports: [memoryNetwork().transport()] })
await ok.close()
const OtherY = createRequire(import.meta.url)('yjs')
assert.throws(
  () => createRoom({ name: 'esm', doc: new OtherY.Doc(), transports: [memoryNetwork().transport()] }),
  (error) => error.name === 'ConfigError' && /another copy of yjs/.test(error.message),
)
console.log('import: 6 packages load from ESM; a foreign Y.Doc fails with ConfigError')
