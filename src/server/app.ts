/**
 * The HTTP face: /metrics, /probe, health and readiness, and a landing page. A factory with no
 * listen() inside, so tests mount it on port 0.
 */
import express, { type Express } from 'express'
import type { Registry } from 'prom-client'
import type { Logger } from '../log.js'
import type { Prober } from '../prober.js'
import { landingPage } from './landing.js'
import { probeHandler } from './probe-endpoint.js'

export interface ServerDeps {
  prober: Prober
  registry: Registry
  logger: Logger
  isReady: () => boolean
}

export function createServer (deps: ServerDeps): Express {
  const app = express()
  app.disable('x-powered-by')
  app.get('/metrics', async (_req, res) => {
    try {
      const body = await deps.registry.metrics()
      res.type(deps.registry.contentType).send(body)
    } catch (err) {
      deps.logger.error({ err }, 'rendering /metrics failed')
      res.status(500).type('text/plain').send('error rendering metrics\n')
    }
  })
  app.get('/probe', probeHandler(deps.prober))
  app.get('/-/healthy', (_req, res) => { res.type('text/plain').send('Healthy\n') })
  app.get('/-/ready', (_req, res) => {
    if (deps.isReady()) res.type('text/plain').send('Ready\n')
    else res.status(503).type('text/plain').send('Not ready\n')
  })
  app.get('/', (_req, res) => { res.type('html').send(landingPage(deps.prober)) })
  return app
}
