/**
 * What a probe kind is: its YAML schema, how its settings are built from it, the probe, and what
 * it adds to the outputs (its /metrics and /probe families, its reasons, its TLS schemes, the
 * egress check). Each kind is one file (http.ts, egress-ip.ts, tcp.ts, download.ts) calling
 * `defineKind`; kinds.ts registers them. Nothing outside a kind's file reads its settings or the
 * `own` data of its results.
 */
import type { z } from 'zod'
import type { TargetConfig } from '../config/types.js'
import type { MetricDef } from '../metrics/catalogue.js'
import type { ExpositionWriter } from '../metrics/exposition.js'
import type { BlackboxProber } from '../metrics/blackbox.js'
import type { Blame } from './reasons.js'
import type { ProbeDeps, ProbeJob, ProbeResult } from './types.js'

/** What a kind's build sees besides its own YAML. */
export interface KindContext {
  /** The config's `defaults:` section. */
  defaults: { max_body_bytes?: number | undefined }
}

/** Fields every kind's schema has; `kind` is its name (the schema's `kind: z.literal(...)`). */
export type KindSchema = z.ZodObject<{ kind: z.ZodLiteral<string>, url: z.ZodType<string> } & z.ZodRawShape>

/** The latest result of one pair of a kind's targets, for its /metrics families. */
export interface KindPair<Settings> {
  target: TargetConfig
  via: string
  settings: Settings
  result: ProbeResult
  /** `target="…",via="…"`, formatted once. */
  labels: string
}

/** The lists an egress check judges a proxy's egress with (store.ts, the egress_* families). */
export interface EgressExpectations { expect: string[], expectCountry: string[] }

export interface KindSpec<Schema extends KindSchema, Settings> {
  /** The target's YAML for this kind: `kind`, `url`, the common fields (config/fields.ts) and its own. */
  schema: Schema
  build: (raw: z.infer<Schema>, ctx: KindContext) => Settings
  /** Probes return a result and never throw. */
  probe: (job: ProbeJob, settings: Settings, deps: ProbeDeps, signal?: AbortSignal) => Promise<ProbeResult>
  /** Whether a probe of these settings waits for an answer (the `processing` and `transfer` phases). */
  answers?: (settings: Settings) => boolean
  /** The URL schemes (`https:`) whose targets it speaks TLS with (the `tls` phase); none by default. */
  tlsSchemes?: readonly string[]
  /** Which blackbox_exporter prober's families /probe answers with (metrics/blackbox.ts). */
  blackbox: BlackboxProber
  /** Failure reasons of its own: name → what it blames. Joined to reasons.ts when registered. */
  reasons?: Readonly<Record<string, Blame>>
  /** Metric families of its own (`egress_…`): joined to the catalogue when registered. */
  families?: Readonly<Record<string, MetricDef>>
  /** Its own families on /probe, for the result of one probe (after the common ones). */
  probeFamilies?: (w: ExpositionWriter, result: ProbeResult, settings: Settings) => void
  /** Its own families on /metrics, from the latest result of each of its pairs (all its families, even when empty). */
  metrics?: (w: ExpositionWriter, pairs: KindPair<Settings>[]) => void
  /**
   * Makes it the egress check: its results carry the egress IP of the path (`egressIp`), and
   * these are the lists a proxy's egress is judged by. At most one target of such a kind.
   */
  egressCheck?: (settings: Settings) => EgressExpectations
}

/** A kind as the rest of the program sees it: settings and `own` data are opaque outside the kind's file. */
export interface ProbeKind {
  schema: KindSchema
  build: (raw: unknown, ctx: KindContext) => unknown
  probe: (job: ProbeJob, deps: ProbeDeps, signal?: AbortSignal) => Promise<ProbeResult>
  answers: (settings: unknown) => boolean
  tlsSchemes: readonly string[]
  blackbox: BlackboxProber
  reasons: Readonly<Record<string, Blame>>
  families: Readonly<Record<string, MetricDef>>
  probeFamilies: (w: ExpositionWriter, result: ProbeResult, settings: unknown) => void
  metrics?: (w: ExpositionWriter, pairs: KindPair<unknown>[]) => void
  egressCheck?: (settings: unknown) => EgressExpectations
}

/** A kind from its parts; register it with one line in kinds.ts. */
export function defineKind<Schema extends KindSchema, Settings> (spec: KindSpec<Schema, Settings>): ProbeKind {
  const { answers, probeFamilies, metrics, egressCheck } = spec
  return {
    schema: spec.schema,
    build: (raw, ctx) => spec.build(raw as z.infer<Schema>, ctx),
    // The settings were built by this kind's `build` from this target (config/build.ts).
    probe: (job, deps, signal) => spec.probe(job, job.target.settings as Settings, deps, signal),
    answers: answers === undefined ? () => true : (settings) => answers(settings as Settings),
    tlsSchemes: spec.tlsSchemes ?? [],
    blackbox: spec.blackbox,
    reasons: spec.reasons ?? {},
    families: spec.families ?? {},
    probeFamilies: probeFamilies === undefined ? () => {} : (w, result, settings) => { probeFamilies(w, result, settings as Settings) },
    ...(metrics !== undefined && { metrics: (w: ExpositionWriter, pairs: KindPair<unknown>[]) => { metrics(w, pairs as KindPair<Settings>[]) } }),
    ...(egressCheck !== undefined && { egressCheck: (settings: unknown) => egressCheck(settings as Settings) }),
  }
}
