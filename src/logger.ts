import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.ts';

export type { Logger };

// Anything that can carry a credential is censored before a line is written.
const REDACT = [
  'password', '*.password', 'token', '*.token', 'secret', '*.secret', 'clientSecret', '*.clientSecret',
  'refreshToken', '*.refreshToken', 'accessToken', '*.accessToken', 'idToken', '*.idToken',
  'req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]',
];

/** JSON lines to stdout, or to `destination` (a stream, e.g. a log shipper's). */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  return pino({ level: config.logLevel, redact: { paths: REDACT, censor: '[redacted]' }, base: undefined }, destination);
}
