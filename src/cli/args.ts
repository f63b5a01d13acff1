/** Command-line flags in Prometheus' style (`--config.file=F`), parsed with node:util. */
import { parseArgs } from 'node:util'

import { LOG_FORMATS, type LogFormat } from '../log.js'

export interface CliArgs {
  command: 'run' | 'check' | 'config-check' | 'version' | 'help'
  configFile?: string
  webConfigFile?: string
  /** POST /-/reload is answered only with --web.enable-lifecycle. */
  lifecycle: boolean
  /** `--web.max-requests`: renders (/metrics, the status page) in flight at once; 0 = no limit. */
  maxRequests: number
  logFormat: LogFormat
  listen?: string
  /** Unset: info when running, error for `check` (its output is the table). */
  logLevel?: string
  output: 'table' | 'json'
}

/** The text `--help` prints: commands, flags and their defaults. */
export const USAGE = `usage: egress-prober [check] [flags]

Probes targets directly and through HTTP/SOCKS5 proxies and serves Prometheus metrics.

commands:
  (none)                       run the prober and serve /metrics
  check                        run every probe once, print a table, exit 0 if all pass, 1 if not

flags:
  --config.file=FILE           YAML config; without it the environment (SOCKS5_PROXY, HTTP_PROXY,
                               PROXY_REQUIRED_DOMAINS, ...) or the embedded default is used
  --web.listen-address=H:P     address to listen on (default 127.0.0.1:9550)
  --web.config.file=FILE       TLS, basic auth and headers for every endpoint, in the format of
                               Prometheus' exporter-toolkit (docs/configuration.md#web)
  --web.enable-lifecycle       answer POST /-/reload (SIGHUP always reloads)
  --web.max-requests=N         scrapes and status pages rendered at once; more get 503
                               (default 40, 0 = no limit; as node_exporter)
  --log.level=LEVEL            debug, info, warn or error (default info)
  --log.format=FORMAT          logfmt or json (default logfmt)
  --config.check               validate the config and exit (0 valid, 2 invalid)
  --output=table|json          output of \`check\` (default table)
  --version                    print the version and exit
  --help                       print this help and exit

exit codes: 0 ok, 1 a check failed, 2 bad flags or config
`

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']

const OPTIONS = {
  'config.file': { type: 'string' },
  'web.listen-address': { type: 'string' },
  'web.config.file': { type: 'string' },
  'web.enable-lifecycle': { type: 'boolean', default: false },
  'web.max-requests': { type: 'string', default: '40' },
  'log.level': { type: 'string' },
  'log.format': { type: 'string', default: 'logfmt' },
  'config.check': { type: 'boolean', default: false },
  output: { type: 'string', default: 'table' },
  version: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const

/** Parses argv (without node and script); returns an error message for bad input. */
export function parseCli (argv: string[]): CliArgs | string {
  let parsed
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS })
  } catch (err) {
    return explain(err as Error & { code?: string })
  }
  const { values, positionals } = parsed
  if (positionals.length > 1 || (positionals[0] !== undefined && positionals[0] !== 'check')) {
    return `unknown command "${positionals.join(' ')}"`
  }
  if (values['log.level'] !== undefined && !LEVELS.includes(values['log.level'])) return `bad --log.level "${values['log.level']}" (use ${LEVELS.join(', ')})`
  if (values.output !== 'table' && values.output !== 'json') return `bad --output "${values.output}" (use table or json)`
  if (!(LOG_FORMATS as string[]).includes(values['log.format'])) return `bad --log.format "${values['log.format']}" (use ${LOG_FORMATS.join(' or ')})`
  const maxRequests = Number(values['web.max-requests'])
  if (!/^\d{1,6}$/.test(values['web.max-requests'])) return `bad --web.max-requests "${values['web.max-requests'].slice(0, 16)}" (a whole number; 0 = no limit)`
  const command = values.help ? 'help' : values.version ? 'version' : values['config.check'] ? 'config-check' : positionals[0] === 'check' ? 'check' : 'run'
  const args: CliArgs = { command, output: values.output, lifecycle: values['web.enable-lifecycle'], maxRequests, logFormat: values['log.format'] as LogFormat }
  if (values['web.config.file'] !== undefined) args.webConfigFile = values['web.config.file']
  if (values['log.level'] !== undefined) args.logLevel = values['log.level']
  if (values['config.file'] !== undefined) args.configFile = values['config.file']
  if (values['web.listen-address'] !== undefined) args.listen = values['web.listen-address']
  return args
}

/** node:util's parse errors in one line of our own, with the closest known flag. */
function explain (err: Error & { code?: string }): string {
  const flag = /'(-[^']*)'/.exec(err.message)?.[1] ?? ''
  const name = flag.replace(/^-+/, '').split('=')[0] ?? ''
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const near = Object.keys(OPTIONS).map((o) => [o, distance(o, name)] as const).sort((a, b) => a[1] - b[1])[0]
    return `unknown flag "${flag.slice(0, 64)}"${near !== undefined && near[1] <= 3 ? ` (did you mean --${near[0]}?)` : ''}`
  }
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return `flag "${flag.slice(0, 64)}" ${/boolean|does not take/.test(err.message) ? 'takes no value' : 'needs a value (--flag=value)'}`
  return err.message.split('.')[0] ?? err.message
}

/** Levenshtein distance, for flag suggestions. */
function distance (a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = row[j]!
      row[j] = next
    }
  }
  return row[b.length]!
}
