/** A Prometheus rule and rule group, as the rule file writes them (rules.ts, slo.ts). */
export interface Rule {
  alert?: string
  record?: string
  expr: string
  for?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
}

/** A group of rules evaluated together, at its own interval when it has one. */
export interface RuleGroup { name: string, interval?: string, rules: Rule[] }
