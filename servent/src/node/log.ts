/** JSON logs on stdout (pino), one logger per servent with a child per connection. */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({ level, base: { app: 'gnutella-servent' }, timestamp: pino.stdTimeFunctions.isoTime });
}
