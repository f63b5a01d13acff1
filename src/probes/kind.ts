/**
 * What a probe kind is: its YAML schema, how its settings are built from it, and the probe.
 * Each kind is one file (http.ts, egress-ip.ts, tcp.ts, download.ts) calling `defineKind`;
 * kinds.ts lists them. Nothing outside a kind's file reads its settings.
 */
import type { z } from 'zod'
import type { ExpositionWriter } from '../metrics/exposition.js'
import type { ProbeDeps, ProbeJob, ProbeResult } from './types.js'

export interface KindContext {
  /** The config's `defaults:` section. */
  defaults: { max_body_bytes?: number | undefined }
}

/** Fields every kind's schema has; `kind` is its name (the schema's `kind: z.literal(...)`). */
type KindSchema = z.ZodObject<{ kind: z.ZodLiteral<string>, url: z.ZodType<string> } & z.ZodRawShape>

export interface KindSpec<Schema extends KindSchema, Settings> {
  /** The target's YAML for this kind: `kind`, `url`, the common fields (config/fields.ts) and its own. */
  schema: Schema
  build: (raw: z.infer<Schema>, ctx: KindContext) => Settings
  /** Probes return a result and never throw. */
  probe: (job: ProbeJob, settings: Settings, deps: ProbeDeps, signal?: AbortSignal) => Promise<ProbeResult>
  /** Whether a probe of these settings waits for an answer (the `processing` and `transfer` phases). */
  answers?: (settings: Settings) => boolean
  /** Which blackbox_exporter prober's families /probe answers with. */
  blackbox: 'http' | 'tcp'
  /** Families of its own for /probe (after the common ones). */
  probeFamilies?: (w: ExpositionWriter, result: ProbeResult) => void
}

/** A kind as the rest of the program sees it: settings are opaque outside the kind's file. */
export interface ProbeKind {
  schema: KindSchema
  build: (raw: unknown, ctx: KindContext) => unknown
  probe: (job: ProbeJob, deps: ProbeDeps, signal?: AbortSignal) => Promise<ProbeResult>
  answers: (settings: unknown) => boolean
  blackbox: 'http' | 'tcp'
  probeFamilies?: (w: ExpositionWriter, result: ProbeResult) => void
}

export function defineKind<Schema extends KindSchema, Settings> (spec: KindSpec<Schema, Settings>): ProbeKind {
  const answers = spec.answers
  return {
    schema: spec.schema,
    build: (raw, ctx) => spec.build(raw as z.infer<Schema>, ctx),
    // The settings were built by this kind's `build` from this target (config/build.ts).
    probe: (job, deps, signal) => spec.probe(job, job.target.settings as Settings, deps, signal),
    answers: answers === undefined ? () => true : (settings) => answers(settings as Settings),
    blackbox: spec.blackbox,
    ...(spec.probeFamilies !== undefined && { probeFamilies: spec.probeFamilies }),
  }
}
