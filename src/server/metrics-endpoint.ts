/**
 * `GET /metrics`: the egress_* families written a chunk at a time, then prom-client's
 * process-wide ones. At 10,000 pairs the text is ~7 MB; rendered in one piece it held the event
 * loop for 50-190 ms, and every probe due in that time started late. Between chunks the loop is
 * given back (after at most SLICE_MS), so a scrape costs probes a few milliseconds at most.
 * Prometheus asks for gzip: compressed as it is written (zlib's thread pool, fastest level), the
 * exposition shrinks 10-20×.
 */
import { once } from 'node:events'
import type { Writable } from 'node:stream'
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { createGzip } from 'node:zlib'
import type { Request, Response } from 'express'
import type { Registry } from 'prom-client'
import type { Logger } from '../log.js'
import type { Prober } from '../prober.js'

const SLICE_MS = 20

export function metricsHandler (prober: Prober, registry: Registry, logger: Logger) {
  return async (req: Request, res: Response): Promise<void> => {
    const gone = new AbortController()
    res.once('close', () => { gone.abort() })
    res.type(registry.contentType).vary('Accept-Encoding')
    let out: Writable = res
    if (req.acceptsEncodings('gzip') === 'gzip') {
      // Output in 128 KiB pieces (16 KiB by default): fewer thread-pool round trips, each of which
      // waits for a turn of a busy event loop.
      const gzip = createGzip({ level: 1, chunkSize: 128 * 1024 })
      res.set('content-encoding', 'gzip')
      gzip.once('error', () => { res.destroy() })
      gzip.pipe(res)
      out = gzip
    }
    try {
      let slice = performance.now()
      for (const chunk of prober.metrics.chunks()) {
        if (chunk === '') continue
        // Backpressure: a slow scraper holds the next chunk back, not our memory.
        if (!out.write(chunk)) await once(out, 'drain', { signal: gone.signal })
        if (performance.now() - slice > SLICE_MS) {
          await yieldToLoop()
          slice = performance.now()
        }
        if (gone.signal.aborted) throw new Error('the scraper went away')
      }
      out.end(await registry.metrics())
    } catch (err) {
      if (gone.signal.aborted) { out.destroy(); return } // nobody to answer
      logger.error({ err }, 'rendering /metrics failed')
      if (res.headersSent) { out.destroy(); res.destroy(); return }
      res.removeHeader('content-encoding')
      res.status(500).type('text/plain').send('error rendering metrics\n')
    }
  }
}
