import { defaultClientConditions, defineConfig } from 'vite'

// `source` makes the workspace packages resolve to their TypeScript sources, so the example
// runs without building them first. `browser` (in the defaults) picks simple-peer's
// self-contained bundle through @gossamer/webrtc's `#simple-peer` import map. The .tsx
// files use React's automatic JSX runtime (no plugin needed to build).
export default defineConfig({
  resolve: { conditions: ['source', ...defaultClientConditions] },
  oxc: { jsx: { runtime: 'automatic' } },
  build: { target: 'es2022', sourcemap: true, chunkSizeWarningLimit: 1024 },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
})
