/** pino, with human-readable lines when asked (the default on a terminal). */
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export function createLogger(level: string, prettyLines = process.stdout.isTTY === true): Logger {
  const options = {
    level,
    // Never let a secret reach the log, whatever a caller passes in.
    redact: { paths: ['password', '*.password', 'token', '*.token', 'passwordHash', '*.passwordHash', 'secret', '*.secret'], censor: '[redacted]' },
  };
  if (!prettyLines) return pino(options);
  return pino(options, pretty({ colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', sync: true }));
}
