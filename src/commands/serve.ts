/** Runs the prober and its HTTP(S) server until SIGTERM/SIGINT. */
import http from 'node:http'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { Counter, type Registry } from 'prom-client'
import { parseListen } from '../config/listen.js'
import type { Config } from '../config/types.js'
import type { Logger } from '../log.js'
import { promClientOptions } from '../metrics/catalogue.js'
import { createRegistry } from '../metrics/registry.js'
import { installLastResort } from '../process/last-resort.js'
import { raiseFileLimit, webConnectionLimit } from '../process/file-limit.js'
import { Prober } from '../prober.js'
import { createServer } from '../server/app.js'
import { secureContextOptions, type WebConfig } from '../web/config.js'
import { WebConfigSource, webGuard } from '../web/guard.js'
import { createReloader, type Reload } from './reloader.js'
import type { StatsClient } from '../xray/client.js'

export interface Running {
  prober: Prober
  server: http.Server
  reload: Reload
  address: AddressInfo
  /** How long close() lets in-flight probes run before it aborts them. */
  graceMs: number
  /** Stops scheduling, lets in-flight probes end (bounded by graceMs), closes the server. */
  close: () => Promise<void>
}

export interface ServeOptions {
  configFile?: string
  /** `--web.config.file`, already loaded and checked once. */
  web?: { file: string, config: WebConfig }
  /** `--web.enable-lifecycle`. */
  lifecycle: boolean
  /** `--web.max-requests` (default 40). */
  maxRequests?: number
  /**
   * Awaited once the server listens, before the schedule starts: until then /-/ready answers
   * 503 and /-/healthy 200 (tests hold start-up here to see it).
   */
  startGate?: Promise<void>
}

/**
 * Connection bounds of the server (docs/configuration.md): a request's header must arrive within
 * 10 s and the whole request within 30 s, idle keep-alive connections close after 5 s, and the
 * checks run every second (Node's default, 30 s, let an idle connection live 40 s or more).
 */
const SERVER_OPTIONS = { headersTimeout: 10_000, requestTimeout: 30_000, keepAliveTimeout: 5_000, connectionsCheckingInterval: 1_000, maxHeaderSize: 16 * 1024 } as const

/** The server could not listen (address in use, not ours, bad permissions): one line for the user. */
export class ListenError extends Error {
  constructor (address: string, err: NodeJS.ErrnoException) {
    const why = err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EACCES' ? 'permission denied' : err.code === 'EADDRNOTAVAIL' ? 'no such local address' : (err.code ?? err.message)
    super(`cannot listen on ${address}: ${why}`)
    this.name = 'ListenError'
  }
}

/** Loads the gRPC stack only when the stats API is configured (importing it costs idle CPU). */
async function startXray (x: NonNullable<Config['xray']>, registry: Registry, logger: Logger): Promise<StatsClient> {
  const [{ StatsClient }, { registerXrayMetrics }] = await Promise.all([import('../xray/client.js'), import('../xray/metrics.js')])
  const client = new StatsClient(x.address, x.flavor)
  registerXrayMetrics(registry, client, logger, x.timeoutMs)
  return client
}

/**
 * Plain HTTP, or HTTPS with the web config's TLS, and the guard that applies the web config to
 * every request (cert, key and CA changes apply to the next connection).
 */
function webServer (opts: ServeOptions, logger: Logger): { guard?: ReturnType<typeof webGuard>, create: (app: http.RequestListener) => http.Server } {
  const web = opts.web
  const tls = web?.config.tls
  if (web === undefined) return { create: (app) => http.createServer(SERVER_OPTIONS, app) }
  let server: http.Server | undefined
  const source = new WebConfigSource(web.file, web.config, logger, (c) => {
    if (c.tls !== undefined && server instanceof https.Server) server.setSecureContext(secureContextOptions(c.tls))
  })
  return {
    guard: webGuard(source),
    create: (app) => (server = withHandshakeRefresh(source, tls === undefined
      ? http.createServer(SERVER_OPTIONS, app)
      : https.createServer({
        ...SERVER_OPTIONS,
        ...secureContextOptions(tls),
        // Fixed at start; the guard checks client_auth_type and client_allowed_sans on every request.
        requestCert: tls.clientAuth !== 'NoClientCert',
        rejectUnauthorized: tls.clientAuth === 'RequireAndVerifyClientCert',
      }, app))),
  }
}

/**
 * Looks at the web config's files before each TLS handshake (before Node's own listener builds
 * the TLS socket, so a certificate rotated in place is the one this handshake serves).
 */
function withHandshakeRefresh (source: WebConfigSource, server: http.Server): http.Server {
  if (server instanceof https.Server) server.prependListener('connection', () => { source.refresh() })
  return server
}

/** Runs the prober and its web server until stopped: schedule, reloads (SIGHUP, `/-/reload` when enabled), bounded shutdown. */
export async function serve (config: Config, logger: Logger, opts: ServeOptions = { lifecycle: false }): Promise<Running> {
  const registry = createRegistry()
  const escaped = new Counter({ ...promClientOptions('egress_prober_escaped_errors_total'), registers: [registry] })
  const uninstall = installLastResort(logger, () => { escaped.inc() })
  const prober = new Prober(config, { logger, registry })
  const xray = config.xray === undefined ? undefined : await startXray(config.xray, registry, logger)
  let ready = false
  const reload = createReloader(opts.configFile, prober, registry, logger)
  const web = webServer(opts, logger)
  const server = web.create(createServer({
    prober,
    registry,
    logger,
    isReady: () => ready,
    reload,
    lifecycle: opts.lifecycle,
    ...(opts.maxRequests !== undefined && { maxRequests: opts.maxRequests }),
    ...(web.guard !== undefined && { guard: web.guard }),
    ...(xray !== undefined && { xray }),
  }))
  const limits = raiseFileLimit()
  if (limits !== undefined && limits.after.soft > limits.before.soft) logger.info({ from: limits.before.soft, to: limits.after.soft }, 'raised the open-files limit')
  else if (limits !== undefined && limits.before.soft < limits.before.hard) logger.warn({ soft: limits.before.soft, hard: limits.before.hard }, 'could not raise the open-files limit (is prlimit installed?)')
  // Idle or half-sent requests must not hold descriptors the probes need (docs/configuration.md).
  server.maxConnections = webConnectionLimit(limits?.after.soft ?? 1024)
  const listen = parseListen(config.listen) ?? { host: '127.0.0.1', port: 9550 }
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new ListenError(config.listen, err)))
    server.listen(listen.port, listen.host, () => resolve())
  })
  await opts.startGate
  prober.start()
  ready = true
  const address = server.address() as AddressInfo
  logger.info({
    address: `${address.address}:${address.port}`,
    tls: server instanceof https.Server,
    auth: Object.keys(opts.web?.config.users ?? {}).length > 0,
    config: config.source,
    targets: config.targets.length,
    paths: ['direct', ...Object.keys(config.proxies)].join(','),
    proxies: Object.values(config.proxies).map((p) => `${p.name}=${p.redactedUrl}`).join(','),
  }, 'egress-prober started')
  const graceMs = Math.min(10_000, Math.max(...config.targets.map((t) => t.timeoutMs), 1000))
  return {
    prober,
    server,
    reload,
    address,
    graceMs,
    close: async () => {
      await prober.stop(graceMs)
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      xray?.close()
      uninstall()
    },
  }
}
