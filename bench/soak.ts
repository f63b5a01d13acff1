/**
 * Soak under hostile peers (issue #10): 30 misbehaving proxies and targets on loopback, the
 * built prober probing all of them every second, a reload every 20 s alternating two configs.
 * Samples the prober's open fds and RSS every 10 s and counts its log lines per pair. Writes
 * bench/results/soak.json. `SOAK_SECONDS` (default 600) sets the length. Loopback only.
 */
import { readdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { drip, flood, OK, socksGrant, SOCKS_NO_AUTH, startHostile, type Reply } from '../test/helpers/hostile.js'
import { startTarget } from '../test/helpers/target-server.js'
import { rssBytes, startProc } from './lib/proc.js'

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600)
const socksScripts: Reply[][] = [
  ['HTTP/1.1 400 Bad Request\r\n\r\n'], [(s) => { s.end(Buffer.from([5])) }], [Buffer.from([0, 0x5a])], [Buffer.from([5, 0xff])],
  [SOCKS_NO_AUTH, socksGrant(9)], [SOCKS_NO_AUTH, Buffer.concat([socksGrant(), Buffer.from('<html>portal</html>')])],
  [SOCKS_NO_AUTH, (s) => { s.write(Buffer.from([5, 0, 0, 3, 255])); drip('a', 100)(s) }], [SOCKS_NO_AUTH, socksGrant(), 'SSH-2.0-x\r\n'],
  [SOCKS_NO_AUTH, socksGrant(3, Buffer.alloc(255, 'a')), OK], [SOCKS_NO_AUTH, Buffer.from([5, 2, 0, 1, 0, 0, 0, 0, 0, 0])],
]
const connectScripts: Reply[][] = [
  ['HTTP/1.1 200 OK\r\nContent-Length: 19\r\n\r\n<html>portal</html>'], ['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n', OK],
  [flood('X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n', 64 * 1024)], [drip('X-A: b\r\n', 100)], ['HTTP/1.1 407 No\r\n\r\n'],
  ['SSH-2.0-OpenSSH_9.2\r\n\r\n'], ['HTTP/1.1 OK\r\n\r\n'], ['close'],
  ['HTTP/1.1 200 OK\r\n\r\n', (s) => { s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc'); setTimeout(() => s.resetAndDestroy(), 20) }],
  ['HTTP/1.1 200 OK\r\n\r\n', OK],
]
const answer = (head: string, body = 'ok\n'): string => `${head}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`
const targetScripts: Reply[][] = [
  [answer('HTTP/1.1 000 Zero')], [answer('HTTP/1.1 099 Low')], [(s) => { s.write('HTTP/1.1 200 OK\r\nX-Big: '); flood('a', 1 << 20)(s) }],
  [(s) => { s.write('HTTP/1.1 200 OK\r\n'); drip('X-A: b\r\n', 100)(s) }], ['close'], ['HTTP/1.1 100 Continue\r\n\r\n' + OK],
  [answer('HTTP/1.1 200 OK', 'fe80::1%eth0')], [answer('HTTP/1.1 200 OK', '{"ip":"::FFFF:7F00:2"}')],
  [answer('HTTP/1.1 200 OK', 'a'.repeat(1 << 20))], ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
]

const good = await startTarget()
const peers = await Promise.all([...socksScripts, ...connectScripts, ...targetScripts].map((r) => startHostile(r)))
const proxyNames = peers.slice(0, 20).map((p, i) => [`p${i}`, `${i < 10 ? 'socks5' : 'http'}://127.0.0.1:${p.port}`])
const targetUrls = peers.slice(20).map((p) => `http://127.0.0.1:${p.port}/`)

function config (variant: number): string {
  const targets = [
    `  - { name: good, url: "${good.url('/')}" }`,
    ...targetUrls.map((u, i) => `  - { name: t${i}, url: "${u}", via: [direct] }`),
  ]
  // The second variant drops a few proxies and targets and adds one, so reloads change things.
  const proxies = variant === 0 ? proxyNames : proxyNames.slice(3)
  return `listen: 127.0.0.1:0
defaults: { interval: 1s, timeout: 800ms, recheck_interval: 2s }
proxies: { ${proxies.map(([n, u]) => `${n}: "${u}"`).join(', ')} }
targets:
${(variant === 0 ? targets : [...targets.slice(3), `  - { name: extra, url: "${good.url('/extra')}", via: [direct] }`]).join('\n')}
`
}

const dir = mkdtempSync(join(tmpdir(), 'egress-prober-soak-'))
const file = join(dir, 'config.yml')
writeFileSync(file, config(0))
const prober = await startProc(process.execPath, ['dist/cli.js', '--log.format=json', `--config.file=${file}`], { ready: /egress-prober started/ })
const base = `http://${/"address":"([^"]+)"/.exec(prober.line)![1]}`
const lines: string[] = []
createInterface({ input: prober.child.stdout! }).on('line', (l) => lines.push(l))
const fds = (): number => readdirSync(`/proc/${prober.pid}/fd`).length
// `good` through direct and the 20 proxies, the 10 hostile targets direct (the first variant).
const pairs = 1 + proxyNames.length + targetUrls.length
const samples: { t: number, fds: number, rssMb: number, logLines: number }[] = []
const start = Date.now()
let variant = 0
let reloads = 0
while (Date.now() - start < SECONDS * 1000) {
  await new Promise((resolve) => setTimeout(resolve, 10_000))
  const t = Math.round((Date.now() - start) / 1000)
  if (t % 20 < 10) { variant = 1 - variant; writeFileSync(file, config(variant)); prober.child.kill('SIGHUP'); reloads++ }
  await fetch(`${base}/metrics`).then((r) => r.text())
  samples.push({ t, fds: fds(), rssMb: Math.round(rssBytes(prober.pid) / 1e5) / 10, logLines: lines.length })
  console.log(JSON.stringify(samples.at(-1)))
}
const metrics = await (await fetch(`${base}/metrics`)).text()
await prober.stop()
await Promise.all([good, ...peers].map((p) => p.close()))
const warm = samples.filter((s) => s.t >= 60)
const connections = peers.map((p) => p.connections())
const result = {
  seconds: SECONDS,
  pairs,
  reloads,
  intervalSeconds: 1,
  fds: { min: Math.min(...warm.map((s) => s.fds)), max: Math.max(...warm.map((s) => s.fds)) },
  rssMb: { first: warm[0]?.rssMb, last: warm.at(-1)?.rssMb, max: Math.max(...warm.map((s) => s.rssMb)) },
  logLinesPerPairPerInterval: lines.length / pairs / SECONDS,
  probesTotal: metrics.split('\n').filter((l) => l.startsWith('egress_probes_total{')).reduce((n, l) => n + Number(l.split(' ').at(-1)), 0),
  connectionsToHostilePeers: { total: connections.reduce((a, b) => a + b, 0), max: Math.max(...connections) },
  samples,
}
writeFileSync('bench/results/soak.json', JSON.stringify(result, null, 2) + '\n')
console.log(JSON.stringify({ ...result, samples: undefined }, null, 2))
