/** Reads the shipped dashboards' panels and PromQL, with template variables substituted. */
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export interface Panel {
  id: number
  type: string
  title: string
  description?: string
  datasource?: { type: string, uid: string }
  gridPos: { x: number, y: number, w: number, h: number }
  targets?: { expr: string, datasource?: { uid: string } }[]
}
export interface Dashboard { uid: string, title: string, panels: Panel[], templating: { list: { name: string }[] } }

export const DASHBOARD_DIR = fileURLToPath(new URL('../../grafana/dashboards/', import.meta.url))

export function dashboards (): [string, Dashboard][] {
  return readdirSync(DASHBOARD_DIR).filter((f) => f.endsWith('.json'))
    .map((f) => [f, JSON.parse(readFileSync(DASHBOARD_DIR + f, 'utf8')) as Dashboard])
}

/** Every panel expression with $region/$instance/$target/$via = all and $__rate_interval = 1m. */
export function panelQueries (d: Dashboard): { panel: string, expr: string }[] {
  return d.panels.flatMap((p) => (p.targets ?? []).map((t) => ({
    panel: p.title,
    expr: t.expr.replace(/\$(region|instance|target|via)\b/g, '.*').replace(/\$__rate_interval/g, '1m'),
  })))
}
