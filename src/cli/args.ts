/** Command-line flags in Prometheus' style (`--config.file=F`), parsed with node:util. */
import { parseArgs } from 'node:util'

export interface CliArgs {
  command: 'run' | 'check' | 'config-check' | 'version' | 'help'
  configFile?: string
  listen?: string
  /** Unset: info when running, error for `check` (its output is the table). */
  logLevel?: string
  output: 'table' | 'json'
}

export const USAGE = `usage: egress-prober [check] [flags]

Probes targets directly and through HTTP/SOCKS5 proxies and serves Prometheus metrics.

commands:
  (none)                       run the prober and serve /metrics
  check                        run every probe once, print a table, exit 0 if all pass, 1 if not

flags:
  --config.file=FILE           YAML config; without it the environment (SOCKS5_PROXY, HTTP_PROXY,
                               PROXY_REQUIRED_DOMAINS, ...) or the embedded default is used
  --web.listen-address=H:P     address to listen on (default 127.0.0.1:9550)
  --log.level=LEVEL            debug, info, warn or error (default info)
  --config.check               validate the config and exit (0 valid, 2 invalid)
  --output=table|json          output of \`check\` (default table)
  --version                    print the version and exit
  --help                       print this help and exit

exit codes: 0 ok, 1 a check failed, 2 bad flags or config
`

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']

/** Parses argv (without node and script); returns an error message for bad input. */
export function parseCli (argv: string[]): CliArgs | string {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'config.file': { type: 'string' },
        'web.listen-address': { type: 'string' },
        'log.level': { type: 'string' },
        'config.check': { type: 'boolean', default: false },
        output: { type: 'string', default: 'table' },
        version: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    })
  } catch (err) {
    return (err as Error).message
  }
  const { values, positionals } = parsed
  if (positionals.length > 1 || (positionals[0] !== undefined && positionals[0] !== 'check')) {
    return `unknown command "${positionals.join(' ')}"`
  }
  if (values['log.level'] !== undefined && !LEVELS.includes(values['log.level'])) return `bad --log.level "${values['log.level']}" (use ${LEVELS.join(', ')})`
  if (values.output !== 'table' && values.output !== 'json') return `bad --output "${values.output}" (use table or json)`
  const command = values.help ? 'help' : values.version ? 'version' : values['config.check'] ? 'config-check' : positionals[0] === 'check' ? 'check' : 'run'
  const args: CliArgs = { command, output: values.output }
  if (values['log.level'] !== undefined) args.logLevel = values['log.level']
  if (values['config.file'] !== undefined) args.configFile = values['config.file']
  if (values['web.listen-address'] !== undefined) args.listen = values['web.listen-address']
  return args
}
