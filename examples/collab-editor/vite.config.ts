import { defaultClientConditions, defineConfig } from 'vite'

// `source` makes the workspace packages resolve to their TypeScript sources, so the example
// runs without building them first. `browser` (in the defaults) picks simple-peer's
// self-contained bundle through @gossamer/webrtc's `#simple-peer` import map.
export default defineConfig({
  resolve: { conditions: ['source', ...defaultClientConditions] },
  // CodeMirror + Yjs + simple-peer make one ~0.5 MB chunk; fine for a demo.
  build: { target: 'es2022', sourcemap: true, chunkSizeWarningLimit: 1024 },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
})
