/** The compose file: every mounted file exists, every port is bound to 127.0.0.1, operable services. */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { COMPOSE_ALERTMANAGER, composeFiles } from '../../mixin/compose.js'

const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url))
interface Service {
  image?: string,
  build?: string,
  volumes?: string[],
  ports?: string[],
  healthcheck?: { test: string[] },
  env_file?: string,
  logging?: { driver: string, options: Record<string, string> },
  deploy?: { resources: { limits: { memory: string, cpus: string } } },
  secrets?: string[]
}
const compose = parse(readFileSync(`${DEPLOY}docker-compose.yml`, 'utf8'), { merge: true }) as {
  services: Record<string, Service>, secrets: Record<string, { file: string }>, volumes: Record<string, unknown>
}
const services = Object.entries(compose.services)

describe('deploy/docker-compose.yml', () => {
  it('has the reference topology', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['alertmanager', 'egress-prober', 'grafana', 'prometheus', 'vless-proxy'])
  })

  it.each(services)('%s: every file it mounts exists in the repo', (_name, s) => {
    for (const v of s.volumes ?? []) {
      const source = v.split(':')[0]!
      if (!source.startsWith('.')) { expect(Object.keys(compose.volumes), v).toContain(source); continue }
      expect(existsSync(join(DEPLOY, source)), v).toBe(true)
    }
  })

  it.each(services)('%s: every published port is bound to 127.0.0.1', (_name, s) => {
    for (const p of s.ports ?? []) expect(p).toMatch(/^127\.0\.0\.1:\d+:\d+$/)
  })

  it.each(services)('%s: has a health check, resource limits and log rotation', (_name, s) => {
    expect(s.healthcheck?.test.length).toBeGreaterThan(1)
    expect(s.deploy?.resources.limits.memory).toMatch(/^\d+[MG]$/)
    expect(s.logging?.options['max-size']).toBeDefined()
  })

  it('keeps secrets out of the repo: secret files are ignored, examples are committed', () => {
    const ignore = readFileSync(`${DEPLOY}secrets/.gitignore`, 'utf8')
    expect(ignore).toMatch(/^\*$/m)
    for (const { file } of Object.values(compose.secrets)) {
      expect(file).toMatch(/^\.\/secrets\//)
      expect(existsSync(join(DEPLOY, `${file}.example`)), file).toBe(true)
    }
    const env = readFileSync(`${DEPLOY}.env.example`, 'utf8')
    expect(env).not.toMatch(/^VLESS_UUID=/m)
    for (const key of ['SOCKS5_PROXY', 'HTTP_PROXY', 'PROXY_REQUIRED_DOMAINS', 'XRAY_API_ADDRESS', 'VLESS_SERVER']) expect(env).toMatch(new RegExp(`^${key}=`, 'm'))
  })

  it('Alertmanager sends through the sidecar by its compose name, else exactly the shipped config', () => {
    const mount = compose.services.alertmanager!.volumes!.find((v) => v.endsWith(':/etc/alertmanager/alertmanager.yml:ro'))!
    const mounted = readFileSync(join(DEPLOY, mount.split(':')[0]!), 'utf8')
    expect(join('deploy', mount.split(':')[0]!)).toBe(COMPOSE_ALERTMANAGER)
    expect(mounted).toBe(composeFiles()[COMPOSE_ALERTMANAGER])
    const proxies = [...mounted.matchAll(/proxy_url: (\S+)/g)].map((m) => m[1])
    expect(proxies.length).toBeGreaterThan(0)
    expect(new Set(proxies)).toEqual(new Set(['http://vless-proxy:8123']))
    const host = parse(readFileSync(fileURLToPath(new URL('../../prometheus/alertmanager.yml', import.meta.url)), 'utf8')) as unknown
    expect(parse(mounted.replaceAll('vless-proxy:8123', '127.0.0.1:8123'))).toEqual(host)
  })

  it('points Prometheus, Grafana and the prober at each other by service name', () => {
    const prom = readFileSync(fileURLToPath(new URL('../../prometheus/prometheus.yml', import.meta.url)), 'utf8')
    expect(prom).toContain("'egress-prober:9550'")
    expect(prom).toContain("'alertmanager:9093'")
    expect(readFileSync(`${DEPLOY}.env.example`, 'utf8')).toContain('XRAY_API_ADDRESS=vless-proxy:10085')
    const template = readFileSync(`${DEPLOY}xray/config.template.json`, 'utf8')
    expect(template).toContain('"security": "reality"')
    expect(template).toMatch(/"port": 1080[\s\S]*"port": 8123[\s\S]*"port": 10085/)
  })
})
