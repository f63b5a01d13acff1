/**
 * The reference deployment's targets (see docs/configuration.md), used when no config file
 * is given. The rules encode what each API answers when it is reachable but unhappy.
 */

/** Known APIs of the reference deployment, by host name, in the YAML (snake_case) shape. */
export const KNOWN_TARGETS: Record<string, Record<string, unknown>> = {
  'pollinations.ai': {
    name: 'pollinations',
    url: 'https://pollinations.ai/',
    expect: { status: ['200-499'] },
  },
  'api.openai.com': {
    name: 'openai',
    url: 'https://api.openai.com/v1/models',
    // Without a key the API answers 401: the network path works, which is all we probe.
    expect: { status: ['200-299', 401] },
    classify: [{ status: 403, body_regex: 'unsupported_country_region_territory', reason: 'geo_blocked' }],
  },
  'image.pollinations.ai': {
    name: 'pollinations_image',
    // A tiny image keeps the deep check cheap for the service; every 30 minutes by cron.
    url: 'https://image.pollinations.ai/prompt/egress-probe?width=64&height=64&nologo=true&seed=1',
    schedule: '*/30 * * * *',
    timeout: '60s',
    expect: { status: ['200-299'], content_type: 'image/', min_bytes: 100 },
  },
}

export const DEFAULT_EGRESS_IP_URL = 'https://checkip.amazonaws.com'

/** A target for a domain: the known rules when we have them, else "any answer below 500". */
export function targetForDomain (domain: string): Record<string, unknown> {
  return KNOWN_TARGETS[domain] ?? {
    name: domain,
    url: `https://${domain}/`,
    expect: { status: ['100-499'] },
  }
}
