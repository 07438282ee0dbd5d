import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests that start real processes share the machine's two cores.
    maxWorkers: 2,
    // A throwaway PostgreSQL server for the tests of the second engine (test/support/postgres.ts).
    globalSetup: ['./test/support/postgres-global-setup.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
})
