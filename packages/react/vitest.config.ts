import { defineProject } from 'vitest/config'

export default defineProject({
  ssr: { resolve: { conditions: ['source'] } },
  resolve: { conditions: ['source'] },
  test: { name: '@gossamer/react', include: ['test/**/*.test.{ts,tsx}'], environment: 'happy-dom' },
})
