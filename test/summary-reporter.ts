/**
 * Prints the plain closing line `N passed, N failed, N skipped` that CI reads. Failed counts
 * every failed test, every file or suite whose own code or hooks failed (their tests may never
 * have run), every unhandled error, and processes the tests started and left running; the exit
 * code agrees with it.
 */
import type { Reporter, SerializedError, TestModule } from 'vitest/node'
import { killLeftBehind } from './helpers/procs.js'

export default class SummaryReporter implements Reporter {
  onTestRunEnd (modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    const counts = { passed: 0, failed: unhandledErrors.length, skipped: 0 }
    for (const m of modules) {
      if (m.errors().length > 0) counts.failed++
      for (const s of m.children.allSuites()) if (s.errors().length > 0) counts.failed++
      for (const t of m.children.allTests()) {
        const state = t.result().state
        if (state === 'passed') counts.passed++
        else if (state === 'failed') counts.failed++
        else counts.skipped++
      }
    }
    const left = killLeftBehind()
    if (left.length > 0) {
      process.stderr.write(`processes started by the tests and left behind (killed now):\n${left.join('\n')}\n`)
      counts.failed++
    }
    if (counts.failed > 0) process.exitCode = 1
    process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`)
  }
}
