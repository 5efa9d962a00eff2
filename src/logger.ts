import { pino, type Logger } from 'pino';
import type { Config } from './config.ts';

export type { Logger };

// Anything that can carry a credential is censored before a line is written.
const REDACT = [
  'password', '*.password', 'token', '*.token', 'secret', '*.secret', 'clientSecret', '*.clientSecret',
  'refreshToken', '*.refreshToken', 'accessToken', '*.accessToken', 'idToken', '*.idToken',
  'req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]',
];

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({ level: config.logLevel, redact: { paths: REDACT, censor: '[redacted]' }, base: undefined });
}
