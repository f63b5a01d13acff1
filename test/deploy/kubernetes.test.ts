/**
 * deploy/kubernetes without a cluster: every object validated against the Kubernetes and
 * prometheus-operator schemas (kubernetes-models), the generated files equal to their sources,
 * the PrometheusRule equal to prometheus/rules/ and accepted by promtool, the ConfigMap's config
 * accepted by egress-prober itself; kustomize builds (base and overlays) where kubectl is installed.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseAllDocuments, parse } from 'yaml'
import * as apps from 'kubernetes-models/apps/v1'
import * as core from 'kubernetes-models/v1'
import * as networking from 'kubernetes-models/networking.k8s.io/v1'
import * as monitoring from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1'
import { DEFAULT_CONFIG } from '../../mixin/config.js'
import { kubernetesFiles } from '../../mixin/kubernetes.js'
import { parseConfigText } from '../../src/config/load.js'
import { hasTool, requireTools } from '../helpers/tools.js'

const ROOT = 'deploy/kubernetes'
type Obj = { apiVersion: string, kind: string, metadata: { name: string, namespace?: string, labels?: Record<string, string> }, [k: string]: unknown }
const MODELS: Record<string, new (o: never) => { validate: () => void }> = {
  'apps/v1/Deployment': apps.Deployment,
  'v1/ConfigMap': core.ConfigMap,
  'v1/Service': core.Service,
  'v1/Namespace': core.Namespace,
  'networking.k8s.io/v1/NetworkPolicy': networking.NetworkPolicy,
  'monitoring.coreos.com/v1/ServiceMonitor': monitoring.ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': monitoring.PrometheusRule,
}

function docs (text: string): Obj[] {
  return parseAllDocuments(text).map((d) => d.toJS() as Obj).filter((o) => o !== null)
}
const yamlFiles = (dir: string): string[] => readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.yaml')).map((f) => join(ROOT, dir, f))
const FOLDERS = ['prober', 'monitoring', 'overlays/eu-west', 'overlays/us-east']
const all = (): Obj[] => FOLDERS.flatMap(yamlFiles).flatMap((f) => docs(readFileSync(f, 'utf8')))
const find = (kind: string, name?: string): Obj => all().find((o) => o.kind === kind && (name === undefined || o.metadata.name === name))!

function validate (objects: Obj[]): string[] {
  const problems: string[] = []
  for (const o of objects) {
    const Model = MODELS[`${o.apiVersion}/${o.kind}`]
    if (Model === undefined) { problems.push(`${o.apiVersion} ${o.kind}: no schema (unexpected kind)`); continue }
    try { new Model(o as never).validate() } catch (err) { problems.push(`${o.kind}/${o.metadata.name}: ${(err as Error).message}`) }
  }
  return problems
}

describe('deploy/kubernetes', () => {
  it('every object validates against the Kubernetes and prometheus-operator schemas', () => {
    const objects = all()
    expect(objects.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'ConfigMap', 'ConfigMap', 'ConfigMap', 'Deployment', 'Namespace', 'Namespace', 'NetworkPolicy', 'PrometheusRule', 'Service', 'ServiceMonitor'])
    expect(validate(objects)).toEqual([])
  })

  it('a broken object fails the same validation (the check can fail)', () => {
    const d = structuredClone(find('Deployment'))
    ;(d as unknown as { spec: { replicas: unknown } }).spec.replicas = 'two'
    expect(validate([d])).toEqual([expect.stringContaining('replicas must be integer')])
  })

  it('each Kustomization lists files that exist, and -f on a folder reads only the objects', () => {
    for (const dir of ['', 'prober', 'monitoring', 'overlays/eu-west', 'overlays/us-east']) {
      const k = parse(readFileSync(join(ROOT, dir, 'Kustomization'), 'utf8')) as { resources: string[] }
      for (const r of k.resources) expect(() => readFileSync(join(ROOT, dir, r, r.endsWith('.yaml') ? '' : 'Kustomization')), `${dir}: ${r}`).not.toThrow()
      // No kustomization.yaml: `kubectl apply -f <folder>` would choke on it.
      expect(readdirSync(join(ROOT, dir)).filter((f) => /^kustomization\.ya?ml$/i.test(f))).toEqual([])
    }
  })

  it('generated files equal their sources; the PrometheusRule is prometheus/rules/ and promtool accepts it', (ctx) => {
    for (const [file, text] of Object.entries(kubernetesFiles(DEFAULT_CONFIG))) expect(readFileSync(file, 'utf8'), `${file}: run npm run mixin`).toBe(text)
    const rule = find('PrometheusRule') as unknown as { spec: { groups: unknown } }
    const file = parse(readFileSync('prometheus/rules/egress-prober.rules.yml', 'utf8')) as { groups: unknown }
    expect(rule.spec.groups).toEqual(file.groups)
    if (!requireTools('promtool')) { ctx.skip(); return }
    const dir = mkdtempSync(join(tmpdir(), 'egress-prober-k8s-'))
    writeFileSync(join(dir, 'rules.yml'), JSON.stringify({ groups: rule.spec.groups }))
    const r = spawnSync('promtool', ['check', 'rules', join(dir, 'rules.yml')], { encoding: 'utf8' })
    expect(r.stdout + r.stderr).toContain('SUCCESS')
    expect(r.status).toBe(0)
  })

  it('the dashboard ConfigMap carries the sidecar label and the dashboard', () => {
    const cm = find('ConfigMap', 'egress-prober-dashboard') as unknown as { metadata: { labels: Record<string, string> }, data: Record<string, string> }
    expect(cm.metadata.labels.grafana_dashboard).toBe('1')
    expect(JSON.parse(cm.data['egress-prober.json']!)).toEqual(JSON.parse(readFileSync('grafana/dashboards/egress-prober.json', 'utf8')))
  })

  it('egress-prober accepts the ConfigMap\'s config, with the region from the environment', () => {
    const cm = find('ConfigMap', 'egress-prober-config') as unknown as { data: Record<string, string> }
    const config = parseConfigText(cm.data['egress-prober.yml']!, '/', 'configmap', { EGRESS_REGION: 'eu-west', EGRESS_CLUSTER: 'a' })
    expect(config.labels).toEqual({ region: 'eu-west', cluster: 'a' })
    expect(config.listen).toBe(':9550')
    expect(Object.values(config.proxies).map((p) => `${p.protocol}://${p.host}:${p.port}`)).toEqual(['socks5h://127.0.0.1:1080', 'http://127.0.0.1:8123'])
    expect(config.xray?.address).toBe('127.0.0.1:10085')
    expect(config.targets.map((t) => t.kind)).toContain('download')
  })

  it('the pod: non-root, read-only, no privilege escalation, limits, probes; the VLESS id from a Secret; inbounds on localhost', () => {
    const d = find('Deployment') as unknown as {
      spec: {
        replicas: number,
        template: {
          spec: {
            securityContext: { runAsNonRoot: boolean },
            volumes: { name: string, secret?: { secretName: string } }[],
            containers: { name: string, securityContext: Record<string, unknown>, resources: { limits: Record<string, string> }, livenessProbe?: unknown, readinessProbe?: unknown, env?: { name: string }[] }[]
          }
        }
      }
    }
    const pod = d.spec.template.spec
    expect(pod.securityContext.runAsNonRoot).toBe(true)
    for (const c of pod.containers) {
      expect(c.securityContext, c.name).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } })
      expect(Object.keys(c.resources.limits).sort(), c.name).toEqual(['cpu', 'memory'])
      expect(c.livenessProbe, c.name).toBeDefined()
    }
    expect(pod.containers.find((c) => c.name === 'egress-prober')?.readinessProbe).toBeDefined()
    expect(pod.volumes.find((v) => v.secret !== undefined)?.secret?.secretName).toBe('vless')
    expect(all().filter((o) => o.kind === 'Secret')).toEqual([])
    const xray = find('ConfigMap', 'xray-config') as unknown as { data: Record<string, string> }
    expect(xray.data['config.template.json']).not.toContain('0.0.0.0')
    expect(JSON.stringify(xray.data)).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/)
    expect(d.spec.replicas).toBe(2)
    const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version
    expect(readFileSync(join(ROOT, 'prober/deployment.yaml'), 'utf8')).toContain(`image: egress-prober:${version} `)
  })

  it('the ServiceMonitor makes instance the Service, shared by the replicas (the rules aggregate pods away)', () => {
    const sm = find('ServiceMonitor') as unknown as { spec: { endpoints: { relabelings: { targetLabel: string, replacement: string }[] }[] } }
    expect(sm.spec.endpoints[0]!.relabelings).toContainEqual(expect.objectContaining({ targetLabel: 'instance', replacement: '${1}.svc:9550' }))
    expect(DEFAULT_CONFIG.replicaLabel).toBe('pod')
  })

  // kubectl has no Debian package (.ci/run cannot install it): optional, and a skip says so.
  const kubectl = hasTool('kubectl')
  if (!kubectl) console.warn('skipping the kustomize builds: kubectl is not installed (no Debian package; install it to run them)')
  describe.skipIf(!kubectl)('kustomize (kubectl kustomize, offline)', () => {
    const build = (dir: string): Obj[] => {
      const r = spawnSync('kubectl', ['kustomize', join(ROOT, dir)], { encoding: 'utf8', timeout: 60_000 })
      expect(r.stderr).toBe('')
      return docs(r.stdout)
    }
    it.each(['', 'overlays/eu-west', 'overlays/us-east'])('builds %s into valid objects', (dir) => {
      const objects = build(dir)
      expect(validate(objects)).toEqual([])
      if (dir === '') return
      const region = dir.split('/')[1]!
      expect(new Set(objects.map((o) => o.metadata.namespace ?? o.metadata.name))).toEqual(new Set([`egress-prober-${region}`]))
      const deployment = objects.find((o) => o.kind === 'Deployment') as unknown as { spec: { template: { spec: { containers: { env?: { name: string, value: string }[] }[] } } } }
      expect(deployment.spec.template.spec.containers[0]!.env).toContainEqual({ name: 'EGRESS_REGION', value: region })
    })
  })
})
