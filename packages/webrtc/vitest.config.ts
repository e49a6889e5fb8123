import { defineProject } from 'vitest/config'

// WebRTC tests gather ICE candidates on every interface, so they run only inside a private
// network namespace: `bash scripts/with-netns.sh pnpm vitest run --project @gossamer/webrtc`
// (the script sets GOSSAMER_NETNS=1). Outside it, only the pure unit tests and the loopback
// tests run. Loopback tests (test/loopback) use no WebRTC, only WebSockets to servers on
// 127.0.0.1, so they run in the unit tier and not again inside the namespace.
const netns = process.env['GOSSAMER_NETNS'] === '1'

export default defineProject({
  ssr: { resolve: { conditions: ['source'] } },
  resolve: { conditions: ['source'] },
  test: {
    name: '@gossamer/webrtc',
    include: netns ? ['test/**/*.test.ts'] : ['test/unit/**/*.test.ts', 'test/loopback/**/*.test.ts'],
    exclude: netns ? ['test/loopback/**', '**/node_modules/**'] : ['**/node_modules/**'],
    // @roamhq/wrtc segfaults at exit under worker threads: keep forks.
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
})
