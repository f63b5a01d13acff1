import pino, { type Logger } from 'pino'

/** pino's logger: structured, leveled, secrets never passed to it. */
export type { Logger }
/** How log lines are written: logfmt (as the Prometheus exporters) or JSON. */
export type LogFormat = 'logfmt' | 'json'
/** The values `--log.format` accepts. */
export const LOG_FORMATS: LogFormat[] = ['logfmt', 'json']

/**
 * Logs to stdout, as the Prometheus ecosystem does: logfmt by default
 * (`ts=… level=info msg="…" key=value`), JSON lines with `--log.format=json`; level names, not
 * numbers. Nothing we log carries secrets by construction (proxy URLs are logged redacted,
 * headers never); the redact list is a second guard.
 */
export function createLogger (level = 'info', format: LogFormat = 'logfmt', destination?: pino.DestinationStream): Logger {
  const out = destination ?? pino.destination(1)
  return pino({
    level,
    base: undefined,
    messageKey: 'msg',
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: ['password', '*.password', 'headers', '*.headers', 'proxy.username'], censor: 'xxxxx' },
    timestamp: () => `,"ts":"${new Date().toISOString()}"`,
  }, format === 'json' ? out : logfmtStream(out))
}

/**
 * Rewrites pino's JSON lines as logfmt: ts, level and msg first, nested values as JSON. Written
 * here: the `logfmt` package leaves line breaks in values unescaped, so one value from the
 * network could forge a log line.
 */
function logfmtStream (out: pino.DestinationStream): pino.DestinationStream {
  return {
    write (line: string): void {
      const { ts, level, msg, ...rest } = JSON.parse(line) as Record<string, unknown>
      const fields: [string, unknown][] = [['ts', ts], ['level', level], ['msg', msg ?? ''], ...Object.entries(rest)]
      out.write(fields.map(([k, v]) => `${k}=${logfmtValue(typeof v === 'string' ? v : JSON.stringify(v))}`).join(' ') + '\n')
    },
  }
}

/** Bare when safe, else a quoted string with escapes (line breaks, quotes, control characters). */
export function logfmtValue (v: string): string {
  // Control characters are what this looks for.
  // eslint-disable-next-line no-control-regex
  return v !== '' && !/[\s"=\\\x00-\x1f\x7f]/.test(v) ? v : JSON.stringify(v)
}
