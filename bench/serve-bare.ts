/**
 * Child process: a bare oidc-provider 9 with its in-memory adapter and dev login pages (which
 * check no password), configured like ours where it costs work: an RS256 2048-bit key, the
 * same routes, claims, token lifetimes and refresh rotation, one client_secret_post client.
 */
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import { OIDC_ROUTES, TTL } from '../src/identity/provider.ts';
import { SCOPE_CLAIMS } from '../src/oauth-clients/scopes.ts';
import { announceReady } from './server-under-test.ts';
import { BENCH_SCOPES, CALLBACK } from './scenarios.ts';

const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
const jwk = { ...(await exportJWK(privateKey)), kid: 'bench', alg: 'RS256', use: 'sig' };
const server = createServer();
await new Promise<void>((resolve) => server.listen(0, resolve));
const port = (server.address() as { port: number }).port;
const issuer = `http://localhost:${port}`;
const provider = new Provider(issuer, {
  clients: [{
    client_id: 'bench-client', client_secret: 'bench-secret', redirect_uris: [CALLBACK], grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'], token_endpoint_auth_method: 'client_secret_post',
  }],
  jwks: { keys: [jwk as any] },
  cookies: { keys: ['bench-cookie-key'] },
  scopes: BENCH_SCOPES,
  claims: SCOPE_CLAIMS as any,
  routes: OIDC_ROUTES,
  rotateRefreshToken: true,
  ttl: { AccessToken: TTL.AccessToken, RefreshToken: TTL.RefreshToken } as any,
  findAccount: async (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub, name: 'Bench User', email: 'bench@example.com', email_verified: true }) }),
});
server.on('request', provider.callback());
announceReady({ url: issuer, clientId: 'bench-client', clientSecret: 'bench-secret', login: { user: 'bench-user', password: 'any' } }, () =>
  new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }));
