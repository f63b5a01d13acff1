import pino, { type Logger } from 'pino'

export type { Logger }

/**
 * JSON logs to stdout. Nothing we log carries secrets by construction (proxy URLs are logged
 * redacted, headers never); the redact list is a second guard.
 */
export function createLogger (level = 'info', destination?: pino.DestinationStream): Logger {
  return pino({
    level,
    base: { name: 'egress-prober' },
    redact: { paths: ['password', '*.password', 'headers', '*.headers', 'proxy.username'], censor: 'xxxxx' },
    timestamp: pino.stdTimeFunctions.isoTime,
  }, destination ?? pino.destination(1))
}
