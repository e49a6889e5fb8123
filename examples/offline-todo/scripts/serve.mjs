#!/usr/bin/env node
// Serves the offline todo list: builds it, starts the signaling server and a static file
// server on 127.0.0.1, and prints the URL. Options: see scripts/serve-example.mjs.
/* global process */
process.argv.splice(2, 0, '--app', 'offline-todo')
await import('../../../scripts/serve-example.mjs')
