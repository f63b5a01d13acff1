/**
 * A metric whose samples are computed at scrape time from current state, registered with a
 * prom-client Registry through its metric interface (`get()`). Unlike a Gauge set in collect(),
 * nothing is stored between scrapes, no per-label hash is built, and a series exists only while
 * the state has it: removed targets disappear, a down API leaves no stale zeros.
 */
import type { Metric, Registry } from 'prom-client'

/** One sample of a snapshot family: its labels and value. */
export interface Sample { labels?: Record<string, string>, value: number }

export interface SnapshotMetric {
  name: string
  help: string
  type: 'gauge' | 'counter'
  samples: () => Sample[] | Promise<Sample[]>
}

/** Registers a family whose samples are read fresh at each scrape (the Xray stats). */
export function registerSnapshotMetric (registry: Registry, m: SnapshotMetric): void {
  const { name, help, type } = m
  const metric = {
    name,
    help,
    type,
    aggregator: 'sum',
    get: async () => ({ name, help, type, aggregator: 'sum', values: (await m.samples()).map((s) => ({ labels: s.labels ?? {}, value: s.value })) }),
    reset: () => {},
  }
  registry.registerMetric(metric as unknown as Metric)
}
