import type { AppDeps } from '../deps.ts';

/** What the dashboard session services need: the database, the signing keys and the config. */
export type AuthDeps = Pick<AppDeps, 'db' | 'keys' | 'config'>;
