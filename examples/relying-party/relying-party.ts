import { createServer, type Server } from 'node:http';
import * as oidc from 'openid-client';

export type RelyingPartyOptions = {
  /** Ringnity's issuer, e.g. http://localhost:8192. */
  issuer: string;
  clientId: string;
  /** Confidential clients only; a public client sends none (PKCE alone proves the exchange). */
  clientSecret?: string;
  /** Where Ringnity sends the browser back; it must be one of the client's redirect URIs. */
  redirectUri: string;
  /** Port to listen on (the redirect URI's port unless set; 0 picks a free one). */
  port?: number;
  scope?: string;
};

/** What the browser carried through the sign-in, kept until it comes back (one entry per `state`). */
type Pending = { verifier: string; nonce: string };

/**
 * A minimal relying party of Login with Ringnity: discovery, the authorization code flow with
 * PKCE (S256), the code exchange, then the ID token's claims and userinfo shown on a page.
 */
export async function startRelyingParty(options: RelyingPartyOptions): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const config = await oidc.discovery(
    new URL(options.issuer), options.clientId, undefined,
    options.clientSecret ? oidc.ClientSecretBasic(options.clientSecret) : oidc.None(),
    // openid-client insists on https; a local issuer is plain http.
    new URL(options.issuer).protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined,
  );
  const scope = options.scope ?? 'openid profile email';
  const pending = new Map<string, Pending>();

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', options.redirectUri);
    try {
      if (url.pathname === '/') return page(res, 200, '<p><a href="/login">Sign in with Ringnity</a></p>');
      if (url.pathname === '/login') {
        const verifier = oidc.randomPKCECodeVerifier();
        const state = oidc.randomState();
        const nonce = oidc.randomNonce();
        pending.set(state, { verifier, nonce });
        const authorize = oidc.buildAuthorizationUrl(config, {
          redirect_uri: options.redirectUri, scope, state, nonce,
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
        });
        res.writeHead(302, { location: authorize.href }).end();
        return;
      }
      if (url.pathname === new URL(options.redirectUri).pathname) {
        const state = url.searchParams.get('state') ?? '';
        const sent = pending.get(state);
        if (!sent) return page(res, 400, `<p>Unknown or used sign-in (${escape(url.searchParams.get('error') ?? 'no state')}). <a href="/login">Start again</a></p>`);
        pending.delete(state);
        const tokens = await oidc.authorizationCodeGrant(config, url, { pkceCodeVerifier: sent.verifier, expectedState: state, expectedNonce: sent.nonce });
        const claims = tokens.claims()!;
        const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
        return page(res, 200, `<h2>Signed in as ${escape(String(userinfo.name ?? claims.sub))}</h2>
<h3>ID token claims</h3><pre id="claims">${escape(JSON.stringify(claims, null, 2))}</pre>
<h3>Userinfo</h3><pre id="userinfo">${escape(JSON.stringify(userinfo, null, 2))}</pre>
<p><a href="/login">Sign in again</a></p>`);
      }
      page(res, 404, '<p>Not found</p>');
    } catch (err) {
      page(res, 502, `<p>Sign-in failed: ${escape((err as Error).message)}</p><p><a href="/login">Start again</a></p>`);
    }
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? Number(new URL(options.redirectUri).port), resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://localhost:${port}`,
    server,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

function page(res: import('node:http').ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Example relying party</title></head><body><h1>Example relying party</h1>${body}</body></html>`);
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
