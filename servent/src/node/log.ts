/** JSON logs on stdout (pino), one logger per servent with a child per connection. */
import { type Logger, pino } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { app: 'gnutella-servent' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
