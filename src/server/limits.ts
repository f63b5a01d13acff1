/**
 * Bounds on what one client can make the server do (a hostile round found pipelined /metrics
 * requests taking the process to 2.3 GB, and 1 GB request bodies read to the end):
 * - no endpoint takes a body: a request with one gets 413 and the connection is closed unread;
 * - one request at a time per connection: a pipelined request starts only once the answer
 *   before it is written (Node would run every handler at once and buffer their answers); a
 *   client queueing more than a few is disconnected; queued work of a client gone never starts;
 * - a cap on renders in flight (`--web.max-requests`, node_exporter's flag): 503 beyond it.
 */
import type { Socket } from 'node:net'
import type { NextFunction, Request, RequestHandler, Response } from 'express'

/** Pipelined requests a connection may have waiting behind the one being answered. */
const MAX_PIPELINED = 8

/**
 * `/-/reload` answers a request with a body itself (a browser form gets its 403, as Prometheus
 * answers), but reads none either: the connection closes after the answer.
 */
export function noBodies (answersItself: string[] = ['/-/reload']): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    const length = Number(req.headers['content-length'] ?? 0)
    if (req.headers['transfer-encoding'] === undefined && length === 0) { next(); return }
    res.set('connection', 'close')
    if (answersItself.includes(req.path)) { next(); return }
    res.status(413).type('text/plain').send('Payload Too Large: no endpoint takes a request body\n')
  }
}

export function oneAtATime (): RequestHandler {
  const queues = new WeakMap<Socket, { tail: Promise<void>, waiting: number }>()
  return (req: Request, res: Response, next: NextFunction): void => {
    const socket = req.socket
    let q = queues.get(socket)
    if (q === undefined) { q = { tail: Promise.resolve(), waiting: 0 }; queues.set(socket, q) }
    if (q.waiting >= MAX_PIPELINED) { socket.destroy(); return }
    const queue = q
    const before = queue.tail
    const answered = new Promise<void>((resolve) => { res.once('finish', resolve).once('close', resolve) })
    queue.tail = before.then(async () => { await answered })
    queue.waiting++
    void before.then(() => {
      queue.waiting--
      if (socket.destroyed) return // the client left: its queued work never starts
      next()
    })
  }
}

/** At most `max` requests through this handler at once (0: no limit); 503 beyond. */
export function inFlightLimit (max: number): RequestHandler {
  let running = 0
  return (_req: Request, res: Response, next: NextFunction): void => {
    if (max > 0 && running >= max) {
      res.status(503).set('retry-after', '1').type('text/plain').send(`Service Unavailable: limit of ${max} concurrent requests reached (--web.max-requests)\n`)
      return
    }
    running++
    let done = false
    const release = (): void => { if (!done) { done = true; running-- } }
    res.once('finish', release).once('close', release)
    next()
  }
}
