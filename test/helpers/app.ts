/** An in-process prober with its HTTP server on 127.0.0.1:0, built from YAML. */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createLogger } from '../../src/log.js'
import { createRegistry } from '../../src/metrics/registry.js'
import { Prober } from '../../src/prober.js'
import { createServer } from '../../src/server/app.js'
import type { Lookup } from '../../src/transport/dial.js'
import { configFrom, testLookup } from './probe.js'

export interface TestApp {
  prober: Prober
  base: string
  /** The /metrics text. */
  scrape: () => Promise<string>
  close: () => Promise<void>
}

export async function startApp (yaml: string, lookup: Lookup = testLookup()): Promise<TestApp> {
  const registry = createRegistry()
  const logger = createLogger('silent')
  const prober = new Prober(configFrom(yaml), { logger, registry, lookup })
  const server: Server = createServer({ prober, registry, logger, isReady: () => true }).listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    prober,
    base,
    scrape: async () => await (await fetch(`${base}/metrics`)).text(),
    close: async () => {
      await prober.stop(100)
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

/** The sample lines of a metric family (no HELP/TYPE), for exact series assertions. */
export function series (text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
}
