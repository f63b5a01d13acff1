import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Two files at a time: every timing assertion leaves room for a loaded machine (CI runs the
    // suite a second time with a CPU hog), and the long end-to-end file overlaps the rest.
    fileParallelism: true,
    maxWorkers: 2,
  },
})
