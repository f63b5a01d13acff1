/** POST /-/reload is opt-in (--web.enable-lifecycle) and never reachable from a browser form or another site. */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createLogger } from '../../src/log.js'
import { createRegistry } from '../../src/metrics/registry.js'
import { Prober } from '../../src/prober.js'
import { createServer } from '../../src/server/app.js'
import { configFrom } from '../helpers/probe.js'

let reloads = 0
const servers: Server[] = []
let off: string, on: string

async function start (lifecycle: boolean): Promise<string> {
  const registry = createRegistry()
  const logger = createLogger('silent')
  const prober = new Prober(configFrom('targets: [{ name: a, url: "http://127.0.0.1:1/" }]'), { logger, registry })
  const server = createServer({ prober, registry, logger, isReady: () => true, lifecycle, reload: () => { reloads++; return { ok: true } } }).listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  servers.push(server)
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

beforeAll(async () => { [off, on] = await Promise.all([start(false), start(true)]) })
afterAll(async () => { await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))) })

it('without --web.enable-lifecycle POST /-/reload answers 403 and reloads nothing', async () => {
  const res = await fetch(`${off}/-/reload`, { method: 'POST' })
  expect(res.status).toBe(403)
  expect(await res.text()).toContain('Lifecycle API is not enabled')
  expect(reloads).toBe(0)
})

it('GET /-/reload answers 405 with Allow', async () => {
  const res = await fetch(`${on}/-/reload`)
  expect({ status: res.status, allow: res.headers.get('allow') }).toEqual({ status: 405, allow: 'POST, PUT' })
  expect(reloads).toBe(0)
})

it('with it, a plain POST (curl -X POST) reloads; same-origin too', async () => {
  expect((await fetch(`${on}/-/reload`, { method: 'POST' })).status).toBe(200)
  expect((await fetch(`${on}/-/reload`, { method: 'POST', headers: { origin: on } })).status).toBe(200)
  expect(reloads).toBe(2)
})

it.each<[string, Record<string, string>]>([
  ['an HTML form post', { 'content-type': 'application/x-www-form-urlencoded' }],
  ['a multipart form post', { 'content-type': 'multipart/form-data; boundary=x' }],
  ['a text/plain form post', { 'content-type': 'text/plain' }],
  ['a request from another site', { origin: 'http://evil.test' }],
])('%s is refused (403), nothing reloaded', async (_name, headers) => {
  const before = reloads
  const res = await fetch(`${on}/-/reload`, { method: 'POST', headers, body: 'content-type' in headers ? 'x=1' : null })
  expect(res.status).toBe(403)
  expect(reloads).toBe(before)
})
