#!/usr/bin/env node
// `pnpm demo`: the collaborative editor, live. Builds examples/collab-editor, starts the
// signaling server and a static file server on 127.0.0.1, and prints the URL to open in two
// windows. Ctrl-C stops both. Options: see scripts/serve-example.mjs.
process.argv.splice(2, 0, '--app', 'collab-editor')
await import('./serve-example.mjs')
