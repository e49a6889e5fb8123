import { defineProject } from 'vitest/config'

export default defineProject({
  ssr: { resolve: { conditions: ['source'] } },
  resolve: { conditions: ['source'] },
  test: { include: ['**/*.test.ts'], exclude: ['**/node_modules/**'], testTimeout: 60_000 },
})
