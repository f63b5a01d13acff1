/** /probe is bounded like every other probe: max_concurrent_probes, a short queue, strict parameters. */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startApp, type TestApp } from '../helpers/app.js'

let app: TestApp, server: http.Server
let active = 0
let peak = 0
let requests = 0

beforeAll(async () => {
  // A target that holds each answer 1.5 s (all 60 calls arrive within the first hold, even on a
  // loaded machine) and counts how many it holds at once.
  server = http.createServer((_req, res) => {
    requests++
    peak = Math.max(peak, ++active)
    setTimeout(() => { active--; res.end('ok\n') }, 1500)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  app = await startApp(`max_concurrent_probes: 2
targets: [{ name: slow, url: "${url}", via: [direct], timeout: 5s, interval: 10s }]`)
})
afterAll(async () => {
  await app.close()
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

it('60 parallel calls: at most max_concurrent_probes reach the target, the overflow gets 503 at once', async () => {
  const statuses = await Promise.all(Array.from({ length: 60 }, async () => (await fetch(`${app.base}/probe?target=slow`)).status))
  const ok = statuses.filter((s) => s === 200).length
  expect(peak).toBeLessThanOrEqual(2)
  expect(requests).toBe(ok) // every 200 is one probe; a 503 opened no connection
  expect(ok).toBeGreaterThanOrEqual(2)
  expect(ok).toBeLessThanOrEqual(4) // two running, two waiting
  expect(statuses.filter((s) => s === 503)).toHaveLength(60 - ok)
})

it.each([
  ['a repeated via', '/probe?target=slow&via=direct&via=direct', 'parameter "via" given more than once'],
  ['a repeated target', '/probe?target=slow&target=slow', 'parameter "target" given more than once'],
  ['an unknown parameter', '/probe?target=slow&module=http_2xx', 'unknown parameter "module"'],
])('%s → 400, nothing probed', async (_name, path, message) => {
  const before = requests
  const res = await fetch(app.base + path)
  expect(res.status).toBe(400)
  expect(await res.text()).toContain(message)
  expect(requests).toBe(before)
})
