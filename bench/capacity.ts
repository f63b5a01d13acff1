/**
 * Capacity: probes per second through each tool's /probe at rising concurrency, against a
 * target that holds 100 ms with a plain timer. The knee is the last level whose median latency
 * stays within 1.5× the single-probe latency.
 */
import { probe, type Tool } from './lib/tools.js'
import { summarize } from './lib/stats.js'

export interface CapacityLevel { concurrency: number, probesPerSecond: number, p50Ms: number, p99Ms: number, failures: number }
export interface CapacityResult { levels: CapacityLevel[], knee: CapacityLevel }

export const LEVELS = [1, 4, 16, 32, 64, 128, 256]

export async function runCapacity (tool: Tool, durationMs: number, log: (s: string) => void): Promise<CapacityResult> {
  const levels: CapacityLevel[] = []
  for (const concurrency of LEVELS) {
    const latencies: number[] = []
    let failures = 0
    const end = Date.now() + durationMs
    const worker = async (): Promise<void> => {
      while (Date.now() < end) {
        const t0 = performance.now()
        const s = await probe(tool.probeUrl('direct', 'http', 'sleep')).catch(() => ({ ok: false }))
        if (s.ok) latencies.push(performance.now() - t0)
        else failures++
      }
    }
    const started = performance.now()
    await Promise.all(Array.from({ length: concurrency }, worker))
    const seconds = (performance.now() - started) / 1000
    const lat = summarize(latencies)
    const level = { concurrency, probesPerSecond: latencies.length / seconds, p50Ms: lat.p50, p99Ms: lat.p99, failures }
    levels.push(level)
    log(`capacity ${tool.name} c=${concurrency}: ${level.probesPerSecond.toFixed(0)}/s p50 ${lat.p50.toFixed(1)}ms p99 ${lat.p99.toFixed(1)}ms failures ${failures}`)
    if (lat.p50 > 3 * (levels[0]?.p50Ms ?? lat.p50)) break // far past the knee
  }
  const base = levels[0]!.p50Ms
  const healthy = levels.filter((l) => l.p50Ms <= 1.5 * base && l.failures === 0)
  return { levels, knee: healthy.at(-1) ?? levels[0]! }
}
