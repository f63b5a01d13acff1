/**
 * The fault matrix (test/helpers/faults.ts): every transport × kind × step × fault, each played
 * by the hostile server of test/helpers/fault-server.ts. Every case ends with the reason of the
 * table, after exactly one connection, and nothing escapes: an `error` event nobody listened to
 * would end this worker (vitest reports it as an unhandled error and fails the run). The cases
 * run at once in batches; each is then its own test, asserting on what it recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFaultServer } from '../helpers/fault-server.js'
import { caseConfig, caseName, expectedReason, faultCases, type FaultCase } from '../helpers/faults.js'
import { probeAll } from '../helpers/probe.js'

interface Seen { reason: string, message: string, connections: number, ms: number }

const cases = faultCases()
const seen = new Map<FaultCase, Seen>()
const escaped: unknown[] = []
const onEscape = (err: unknown): void => { escaped.push(err) }

/** How many cases run at once: silence cases wait out their deadline, so the batch decides the time. */
const AT_ONCE = 24
const TIMEOUT_MS = 2000

async function run (c: FaultCase): Promise<void> {
  const peer = await startFaultServer(c)
  try {
    const started = Date.now()
    const r = (await probeAll(caseConfig(c, peer.port, `${TIMEOUT_MS}ms`)))[c.transport === 'direct' ? 't/direct' : 't/p']!
    seen.set(c, { reason: r.success ? 'success' : r.reason ?? 'none', message: r.message, connections: peer.connections(), ms: Date.now() - started })
  } finally {
    await peer.close()
  }
}

beforeAll(async () => {
  process.on('uncaughtException', onEscape)
  const queue = [...cases]
  await Promise.all(Array.from({ length: AT_ONCE }, async () => {
    for (let c = queue.shift(); c !== undefined; c = queue.shift()) await run(c)
  }))
}, 300_000)

afterAll(() => { process.off('uncaughtException', onEscape) })

describe(`fault matrix: ${cases.length} cases`, () => {
  it.each(cases.map((c) => [caseName(c), c] as const))('%s', (_name, c) => {
    const s = seen.get(c)
    expect(s).toBeDefined()
    expect({ reason: s!.reason, connections: s!.connections }).toEqual({ reason: expectedReason(c), connections: 1 })
    // Our messages: one line, no library internals.
    expect(s!.message).not.toMatch(/\n|assert|undici|Error:/i)
    // The deadline bounds every case; twice it leaves room for a loaded machine.
    expect(s!.ms).toBeLessThan(2 * TIMEOUT_MS + 2000)
  })

  it('no error escaped a probe while the matrix ran', () => {
    expect(escaped.map(String)).toEqual([])
  })
})
