/**
 * Prometheus text exposition (format 0.0.4) for the per-pair families, written directly: at
 * thousands of pairs prom-client's generic formatter spent most of /metrics' time building
 * label objects and escaping them again on every scrape. Label sets here are formatted once
 * per pair and reused.
 */
import { familyDef } from './catalogue.js'

/** Escapes a label value: backslash, double quote and line feed (exposition format). */
export function escapeLabelValue (v: string): string {
  return /[\\"\n]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : v
}

/** `a="x",b="y"` for label pairs (names are ours and need no escaping). */
export function labelString (labels: [string, string][]): string {
  return labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')
}

export function formatValue (v: number): string {
  if (Number.isNaN(v)) return 'NaN'
  if (v === Infinity) return '+Inf'
  if (v === -Infinity) return '-Inf'
  return String(v)
}

/** Writes a family: HELP and TYPE lines, then `name{labels} value` per sample. */
export class ExpositionWriter {
  private readonly parts: string[] = []

  /** A family of the catalogue (ours, blackbox's or a kind's), with its HELP and TYPE. */
  def (name: string): this {
    const m = familyDef(name)
    if (m === undefined) throw new Error(`metric "${name}" is not in the catalogue (metrics/catalogue.ts)`)
    return this.family(name, m.help, m.type)
  }

  family (name: string, help: string, type: 'gauge' | 'counter' | 'histogram'): this {
    this.parts.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} ${type}`)
    return this
  }

  /** `labels` is a preformatted label string ('' for none). */
  sample (name: string, labels: string, value: number): this {
    this.parts.push(labels === '' ? `${name} ${formatValue(value)}` : `${name}{${labels}} ${formatValue(value)}`)
    return this
  }

  /** A sample line formatted by the caller. */
  raw (line: string): this {
    this.parts.push(line)
    return this
  }

  text (): string {
    return this.parts.length === 0 ? '' : this.parts.join('\n') + '\n'
  }

  /** The text written since the last drain (for rendering in chunks). */
  drain (): string {
    const text = this.text()
    this.parts.length = 0
    return text
  }
}
