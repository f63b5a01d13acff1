/** What one `npm run bench` measured (bench/results/latest.json), shared by the report and the goals. */
import type { AccuracyRow } from './accuracy.js'
import type { CapacityResult } from './capacity.js'
import type { DetectionResult } from './detection.js'
import type { ScaleResult } from './scale.js'

export interface BenchResult {
  date: string
  machine: { cpu: string, cores: number, memoryGB: number, kernel: string, sandbox: string }
  versions: { egressProber: string, blackbox: string, node: string }
  probesPerPath: number
  accuracy: AccuracyRow[]
  capacity: Record<string, CapacityResult>
  scale?: ScaleResult
  /** The scale run again with V8's old space capped (--max-old-space-size). */
  scaleCapped?: ScaleResult
  detection?: DetectionResult
}

/** "http via http" is not the same path for both: blackbox forwards an absolute-URI request to the proxy, we tunnel with CONNECT. */
export const pathLabel = (scheme: string, path: string): string =>
  scheme === 'http' && path === 'http' ? 'http via http (not the same path: blackbox forwards the request, we tunnel with CONNECT)' : `${scheme} via ${path}`
