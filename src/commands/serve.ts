/** Runs the prober and its HTTP server until SIGTERM/SIGINT. */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { parseListen } from '../config/listen.js'
import type { Config } from '../config/types.js'
import type { Registry } from 'prom-client'
import type { Logger } from '../log.js'
import { createRegistry } from '../metrics/registry.js'
import { Prober } from '../prober.js'
import { createServer } from '../server/app.js'
import { createReloader, type Reload } from './reloader.js'
import type { StatsClient } from '../xray/client.js'

export interface Running {
  prober: Prober
  server: Server
  reload: Reload
  address: AddressInfo
  /** How long close() lets in-flight probes run before it aborts them. */
  graceMs: number
  /** Stops scheduling, lets in-flight probes end (bounded by graceMs), closes the server. */
  close: () => Promise<void>
}

/** Loads the gRPC stack only when the stats API is configured (importing it costs idle CPU). */
async function startXray (x: NonNullable<Config['xray']>, registry: Registry, logger: Logger): Promise<StatsClient> {
  const [{ StatsClient }, { registerXrayMetrics }] = await Promise.all([import('../xray/client.js'), import('../xray/metrics.js')])
  const client = new StatsClient(x.address, x.flavor)
  registerXrayMetrics(registry, client, logger, x.timeoutMs)
  return client
}

export async function serve (config: Config, logger: Logger, configFile?: string): Promise<Running> {
  const registry = createRegistry()
  const prober = new Prober(config, { logger, registry })
  const xray = config.xray === undefined ? undefined : await startXray(config.xray, registry, logger)
  let ready = false
  const reload = createReloader(configFile, prober, registry, logger)
  const app = createServer({ prober, registry, logger, isReady: () => ready, reload, ...(xray !== undefined && { xray }) })
  const listen = parseListen(config.listen) ?? { host: '127.0.0.1', port: 9550 }
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(listen.port, listen.host, (err?: Error) => { if (err !== undefined) reject(err); else resolve(s) })
  })
  prober.start()
  ready = true
  const address = server.address() as AddressInfo
  logger.info({ address: `${address.address}:${address.port}`, config: config.source, targets: config.targets.length, proxies: Object.values(config.proxies).map((p) => `${p.name}=${p.redactedUrl}`) }, 'egress-prober started')
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
    },
  }
}
