/**
 * The HTTP face: /metrics, /probe, health, readiness and reload, the status page and its JSON.
 * A factory with no listen() inside, so tests mount it on port 0.
 */
import express, { type Express } from 'express'
import type { Registry } from 'prom-client'
import type { Logger } from '../log.js'
import type { Prober } from '../prober.js'
import type { StatsClient } from '../xray/client.js'
import { buildStatus } from './status.js'
import { statusPage } from './status-page.js'
import { inFlightLimit, noBodies, oneAtATime } from './limits.js'
import { metricsHandler } from './metrics-endpoint.js'
import { probeHandler } from './probe-endpoint.js'
import { pacFile, routeFor } from './route.js'
import { runbooksPage } from './runbooks.js'

export interface ServerDeps {
  prober: Prober
  registry: Registry
  logger: Logger
  isReady: () => boolean
  /** The sidecar's stats API, shown on the status page when configured. */
  xray?: StatsClient
  /** Re-reads the config (POST /-/reload); absent where reloading makes no sense. */
  reload?: () => { ok: true } | { ok: false, error: string }
  /** `--web.enable-lifecycle`: without it POST /-/reload answers 403. */
  lifecycle?: boolean
  /** Runs before every endpoint: the web config's TLS client checks, basic auth and headers. */
  guard?: express.RequestHandler
  /** `--web.max-requests`: renders (/metrics, the status page and its JSON) at once; 0 = no limit (default 40). */
  maxRequests?: number
}

/** Content types a plain HTML form can send across sites without a CORS preflight. */
const FORM_TYPES = /^(application\/x-www-form-urlencoded|multipart\/form-data|text\/plain)\b/i

/** The HTTP app: /metrics, /probe, the status page and API, the route advice, health and (opt-in) lifecycle endpoints, behind the web config's auth and limits. */
export function createServer (deps: ServerDeps): Express {
  const app = express()
  app.disable('x-powered-by')
  app.disable('etag') // an ETag hashes every /metrics and /probe body; nobody revalidates them
  app.use(noBodies(), oneAtATime())
  if (deps.guard !== undefined) app.use(deps.guard)
  const renders = inFlightLimit(deps.maxRequests ?? 40)
  app.get('/metrics', renders, metricsHandler(deps.prober, deps.registry, deps.logger))
  app.get('/probe', probeHandler(deps.prober))
  app.get('/-/healthy', (_req, res) => { res.type('text/plain').send('Healthy\n') })
  app.get('/-/ready', (_req, res) => {
    if (deps.isReady()) res.type('text/plain').send('Ready\n')
    else res.status(503).type('text/plain').send('Not ready\n')
  })
  app.all('/-/reload', (req, res) => {
    if (deps.reload === undefined) { res.status(404).type('text/plain').send('reload is not enabled\n'); return }
    if (req.method !== 'POST' && req.method !== 'PUT') { res.status(405).set('allow', 'POST, PUT').type('text/plain').send('Only POST or PUT requests allowed\n'); return }
    if (deps.lifecycle !== true) { res.status(403).type('text/plain').send('Lifecycle API is not enabled (--web.enable-lifecycle); SIGHUP reloads too\n'); return }
    // No reload through a browser form or from another site's page (CSRF): forms can only send
    // these content types, and browsers name the page's origin.
    const origin = req.headers.origin
    if (FORM_TYPES.test(req.headers['content-type'] ?? '') || (origin !== undefined && !sameOrigin(origin, req.headers.host))) {
      res.status(403).type('text/plain').send('refused: reload requests from browser forms or other sites are not accepted\n')
      return
    }
    const r = deps.reload()
    if (r.ok) res.type('text/plain').send('config reloaded\n')
    else res.status(500).type('text/plain').send(`failed to reload config: ${r.error}\n`)
  })
  app.get('/', renders, async (_req, res) => { res.type('html').send(statusPage(await buildStatus(deps.prober, deps.xray), 15)) })
  app.get('/api/status', renders, async (_req, res) => { res.json(await buildStatus(deps.prober, deps.xray)) })
  app.get('/api/route', (req, res) => {
    const host = req.query.host
    // A host name or an IP literal, in its canonical spelling (net/host.ts); that is what is echoed.
    const advice = typeof host === 'string' ? routeFor(host, deps.prober.currentConfig, deps.prober.store) : undefined
    if (advice === undefined) {
      res.status(400).type('text/plain').send('give one host: /api/route?host=api.openai.com\n')
      return
    }
    res.json(advice)
  })
  app.get('/proxy.pac', (_req, res) => {
    res.type('application/x-ns-proxy-autoconfig').set('cache-control', 'no-store').send(pacFile(deps.prober.currentConfig, deps.prober.store, new Date()))
  })
  app.get('/runbooks', (_req, res) => { res.type('html').send(runbooksPage()) })
  // Express' own handler would answer with an HTML stack trace.
  app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    deps.logger.error({ error: err instanceof Error ? err.message : String(err) }, 'request failed')
    if (!res.headersSent) res.status(500).type('text/plain').send('internal error\n')
  })
  return app
}

function sameOrigin (origin: string, host: string | undefined): boolean {
  try { return new URL(origin).host === host } catch { return false }
}
