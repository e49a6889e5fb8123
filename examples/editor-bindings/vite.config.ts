import { fileURLToPath } from 'node:url'
import { defaultClientConditions, defineConfig } from 'vite'

const page = (name: string): string => fileURLToPath(new URL(`./${name}.html`, import.meta.url))

// Three pages: the index, ProseMirror and Monaco. `source` makes the workspace packages
// resolve to their TypeScript sources; `browser` (in the defaults) picks simple-peer's
// self-contained bundle. Everything, Monaco and its editor worker included, is bundled from
// the npm packages: nothing loads from a CDN at run time.
export default defineConfig({
  resolve: { conditions: ['source', ...defaultClientConditions], dedupe: ['yjs', 'y-protocols', 'lib0'] },
  build: {
    target: 'es2022',
    sourcemap: false,
    // Monaco alone is a few MB.
    chunkSizeWarningLimit: 8192,
    rollupOptions: { input: { index: page('index'), prosemirror: page('prosemirror'), monaco: page('monaco') } },
  },
  worker: { format: 'es' },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
})
