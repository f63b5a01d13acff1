/**
 * Detection: kill the SOCKS proxy process and time until /metrics shows egress_proxy_up 0,
 * several times, with egress-prober at its default 15 s interval.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePorts } from '../test/helpers/ports.js'
import { startProc, type Proc } from './lib/proc.js'
import { summarize, type Summary } from './lib/stats.js'
import { ROOT, type Servers } from './lib/tools.js'

export interface DetectionResult { intervalSeconds: number, runsSeconds: number[], seconds: Summary }

const PROXY = fileURLToPath(new URL('./socks-proxy.ts', import.meta.url))

export async function runDetection (s: Servers, dir: string, runs: number, log: (s: string) => void): Promise<DetectionResult> {
  const [port, socksPort] = await freePorts(2) as [number, number]
  const file = join(dir, 'detection.yml')
  writeFileSync(file, `listen: 127.0.0.1:${port}
proxies: { socks: "socks5://127.0.0.1:${socksPort}" }
egress_ip: { url: "http://127.0.0.1:${s.httpPort}/ip" }
targets:
  - { name: a, url: "http://127.0.0.1:${s.httpPort}/a" }
  - { name: b, url: "https://127.0.0.1:${s.httpsPort}/b", tls: { ca_file: "${s.caFile}" } }
`)
  const startProxy = (): Promise<Proc> => startProc(process.execPath, ['--import', 'tsx', PROXY, String(socksPort)], { ready: /listening/ })
  let proxy = await startProxy()
  const prober = await startProc(process.execPath, [join(ROOT, 'dist/cli.js'), `--config.file=${file}`], { ready: /egress-prober started/ })
  const up = async (): Promise<string | undefined> => /^egress_proxy_up\{via="socks"\} (\d)$/m.exec(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text())?.[1]
  const waitUntil = async (want: string, boundMs: number): Promise<number> => {
    const t0 = Date.now()
    while (Date.now() - t0 < boundMs) {
      if (await up() === want) return (Date.now() - t0) / 1000
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error(`egress_proxy_up did not become ${want} within ${boundMs} ms`)
  }
  const results: number[] = []
  try {
    await waitUntil('1', 30_000)
    for (let i = 0; i < runs; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1000 + Math.random() * 14_000)) // a random point of the interval
      await proxy.stop()
      const seconds = await waitUntil('0', 30_000)
      results.push(seconds)
      log(`detection run ${i + 1}: ${seconds.toFixed(2)} s`)
      proxy = await startProxy()
      await waitUntil('1', 30_000)
    }
  } finally {
    await Promise.all([proxy.stop(), prober.stop()])
  }
  return { intervalSeconds: 15, runsSeconds: results, seconds: summarize(results) }
}
