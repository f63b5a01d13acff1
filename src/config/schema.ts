/**
 * The YAML schema, snake_case, checked in one pass with zod. Unknown keys are errors
 * (strict objects), as in blackbox_exporter's `yaml.UnmarshalStrict`.
 */
import { z } from 'zod'
import { allKinds, egressCheckKind, kindOf, kindsVersion } from '../probes/kinds.js'
import { commonFields, constantLabels, duration, tlsSchema } from './fields.js'
import { parseListen } from './listen.js'
import { parseProxyUrl } from './proxy-url.js'
import { parseVlessLink } from './vless-link.js'
import { PROXY_SCHEMES, transportOf } from '../transport/transports.js'

const proxySchema = z.union([
  z.string(),
  z.strictObject({ url: z.string(), resolve: z.enum(['remote', 'local']).optional(), tls: tlsSchema.optional(), upstream: z.string().optional() }),
]).superRefine((spec, ctx) => {
  const problem = typeof spec === 'string' ? parseProxyUrl('', spec) : parseProxyUrl('', spec.url, spec.resolve)
  if (typeof problem === 'string') ctx.addIssue({ code: 'custom', message: problem, ...(typeof spec !== 'string' && { path: ['url'] }) })
  if (typeof spec !== 'string' && spec.upstream !== undefined) {
    const upstream = parseVlessLink(spec.upstream)
    if (typeof upstream === 'string') ctx.addIssue({ code: 'custom', path: ['upstream'], message: upstream })
  }
  if (typeof problem === 'string') return
  if (typeof spec !== 'string' && spec.tls !== undefined && !transportOf(problem.protocol).acceptsTls) ctx.addIssue({ code: 'custom', path: ['tls'], message: `tls: is for proxies spoken to over TLS (${PROXY_SCHEMES.filter((s) => transportOf(s).acceptsTls).join(', ')})` })
})

/** A target's YAML: the schema of its kind (`http` when it names none), from probes/kinds.ts. */
function targetSchema () {
  const schemas = allKinds().map(([, k]) => k.schema)
  return z.preprocess(
    (v) => v !== null && typeof v === 'object' && !Array.isArray(v) && !('kind' in v) ? { ...v, kind: 'http' } : v,
    z.discriminatedUnion('kind', schemas as [typeof schemas[number], ...typeof schemas])
  )
}

/** The `egress_ip:` section: the egress check kind's target, written without name and kind. */
function egressIpSchema () {
  const kind = egressCheckKind()
  return kind === undefined ? z.never() : kindOf(kind).schema.omit({ kind: true, name: true })
}

const buildSchema = () => z.strictObject({
  listen: z.string().refine((v) => parseListen(v) !== undefined, { message: 'must be host:port, [v6]:port or :port' }).optional(),
  defaults: z.strictObject({
    interval: duration.optional(),
    timeout: duration.optional(),
    jitter: duration.optional(),
    recheck_interval: duration.optional(),
    max_body_bytes: z.number().int().positive().optional(),
  }).optional(),
  max_concurrent_probes: z.number().int().positive().optional(),
  labels: constantLabels.optional(),
  metrics: z.strictObject({ per_target_histogram: z.boolean().optional() }).optional(),
  proxies: z.record(z.string(), proxySchema).optional(),
  route: z.strictObject({ prefer: z.enum(['order', 'latency']).optional() }).optional(),
  egress_ip: egressIpSchema().optional(),
  targets: z.array(targetSchema()).optional(),
  xray: z.strictObject({
    api: z.string().refine((v) => parseListen(v) !== undefined, { message: 'must be host:port' }),
    flavor: z.enum(['auto', 'xray', 'v2ray']).optional(),
    // A scrape of /metrics waits for the stats API: at most 2 s of it (refused beyond, not cut).
    timeout: duration.refine((ms) => ms <= 2000, { message: 'at most 2s: every scrape of /metrics waits for the stats API this long' }).optional(),
  }).optional(),
})

let built: { version: number, schema: ReturnType<typeof buildSchema> } | undefined

/** The config schema of the kinds registered now (built again after another is registered). */
export function configSchema (): ReturnType<typeof buildSchema> {
  if (built?.version !== kindsVersion()) built = { version: kindsVersion(), schema: buildSchema() }
  return built.schema
}

export type RawConfig = z.infer<ReturnType<typeof buildSchema>>
/** What build.ts reads of any target; the rest is its kind's (kindOf(kind).build). */
export type RawTarget = z.infer<z.ZodObject<typeof commonFields>> & { kind: string, url: string }
