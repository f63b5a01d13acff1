/**
 * Prometheus-style durations ("500ms", "30s", "1m30s", "2h"), as in Prometheus'
 * model.ParseDuration, so operators can reuse the habits of prometheus.yml.
 */
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y

/** Parses a duration into milliseconds; returns undefined when the text is not a duration. */
export function parseDuration (text: string): number | undefined {
  if (text === '0') return 0
  PART.lastIndex = 0
  let total = 0
  let matched = 0
  let m: RegExpExecArray | null
  while ((m = PART.exec(text)) !== null) {
    total += Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]
    matched = PART.lastIndex
  }
  return matched === text.length && matched > 0 ? Math.round(total) : undefined
}
