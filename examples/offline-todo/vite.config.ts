import { fileURLToPath } from 'node:url'
import { defaultClientConditions, defineConfig } from 'vite'

// `source` makes the workspace packages resolve to their TypeScript sources, so the example
// runs without building them first. `browser` (in the defaults) picks simple-peer's
// self-contained bundle through @gossamer/webrtc's `#simple-peer` import map.
export default defineConfig({
  resolve: { conditions: ['source', ...defaultClientConditions] },
  build: {
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 1024,
    // The app, and a self-check page that runs the storage adapter's checks on this browser's IndexedDB.
    rolldownOptions: {
      input: {
        main: fileURLToPath(new URL('index.html', import.meta.url)),
        check: fileURLToPath(new URL('storage-check.html', import.meta.url)),
      },
    },
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
})
