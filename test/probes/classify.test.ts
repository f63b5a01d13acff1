/** API-aware classification of answers, against a real target server. */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { loadConfigFromEnv } from '../../src/config/load.js'
import { buildJobs, runProbe } from '../../src/probes/index.js'
import { probeAll, testDeps } from '../helpers/probe.js'
import { startTarget, type TargetServer } from '../helpers/target-server.js'

let api: TargetServer

beforeAll(async () => { api = await startTarget() })
afterAll(async () => { await api.close() })

const GEO = JSON.stringify({ error: { code: 'unsupported_country_region_territory', message: 'Country, region, or territory not supported' } })
const q = (params: Record<string, string>): string => '/?' + new URLSearchParams(params).toString()

/** Runs the embedded default's rules for a host against an answer of the local server. */
async function embedded (host: string, answer: string): Promise<{ success: boolean, reason?: string }> {
  const config = loadConfigFromEnv({ PROXY_REQUIRED_DOMAINS: host })
  const target = config.targets.find((t) => t.url.hostname === host)!
  target.url = new URL(api.url(answer))
  const [job] = buildJobs({ ...config, targets: [target] })
  return await runProbe(job!, testDeps())
}

it.each([
  ['an OpenAI-style 403 with unsupported_country_region_territory → geo_blocked', q({ status: '403', type: 'application/json', body: GEO }), false, 'geo_blocked'],
  ['401 without a key → reachable', q({ status: '401', type: 'application/json', body: '{"error":{"code":"invalid_api_key"}}' }), true, undefined],
  ['another 403 → http_status', q({ status: '403', body: 'forbidden' }), false, 'http_status'],
  ['429 → rate_limited', q({ status: '429' }), false, 'rate_limited'],
])('api.openai.com rules: %s', async (_name, answer, success, reason) => {
  const r = await embedded('api.openai.com', answer)
  expect({ success: r.success, reason: r.reason }).toEqual({ success, reason })
})

it('image.pollinations.ai rules: an image target answering text/html → invalid_response', async () => {
  expect(await embedded('image.pollinations.ai', q({ type: 'text/html', body: '<html>blocked</html>' })))
    .toMatchObject({ success: false, reason: 'invalid_response' })
  expect(await embedded('image.pollinations.ai', q({ type: 'image/jpeg', size: '500' }))).toMatchObject({ success: true })
})

it.each([
  ['451 → geo_blocked (built in)', q({ status: '451' }), '', 'geo_blocked'],
  ['302 to another host → block_page', q({ status: '302', location: 'http://blocked.lab.test/' }), '', 'block_page'],
  ['302 to an allowed host → success', q({ status: '302', location: 'http://cdn.lab.test/' }), 'expect: { redirect_hosts: [cdn.lab.test] }', undefined],
  ['302 on the same host → success', q({ status: '302', location: '/elsewhere' }), '', undefined],
  ['a 200 block page matching body_not_regex → body_mismatch', q({ type: 'text/html', body: '<h1>Access denied by order of</h1>' }), 'expect: { body_not_regex: "Access denied" }', 'body_mismatch'],
  ['body_regex not matching → body_mismatch', q({ body: 'maintenance' }), 'expect: { body_regex: "^ok" }', 'body_mismatch'],
  ['too few bytes → invalid_response', q({ size: '10' }), 'expect: { min_bytes: 100 }', 'invalid_response'],
  ['a classify rule wins over the expected status', q({ status: '200', body: 'captcha' }), 'classify: [{ status: 2xx, body_regex: captcha, reason: block_page }]', 'block_page'],
])('%s', async (_name, answer, extra, reason) => {
  const r = await probeAll(`targets: [{ name: t, url: "${api.url(answer)}", via: [direct]${extra === '' ? '' : ', ' + extra} }]`)
  expect({ success: r['t/direct']!.success, reason: r['t/direct']!.reason }).toEqual({ success: reason === undefined, reason })
})
