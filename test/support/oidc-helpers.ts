import * as oidc from 'openid-client';
import type { TestApp } from './test-app.ts';
import { Browser } from './browser.ts';

export const CALLBACK = 'http://127.0.0.1:9999/callback';

type SeededClient = { clientId: string; clientSecret?: string; type: string };

/** An openid-client Configuration from discovery only, as a relying party would build it. */
export async function relyingParty(app: TestApp, client: SeededClient, auth: 'basic' | 'post' | 'none' = client.clientSecret ? 'basic' : 'none') {
  const clientAuth = auth === 'basic' ? oidc.ClientSecretBasic(client.clientSecret!)
    : auth === 'post' ? oidc.ClientSecretPost(client.clientSecret!) : oidc.None();
  return oidc.discovery(new URL(app.url), client.clientId, undefined, clientAuth, { execute: [oidc.allowInsecureRequests] });
}

export type AuthorizeOptions = {
  scope?: string; pkce?: boolean; prompt?: string; redirectUri?: string; extra?: Record<string, string>;
  /** POST sends the authorization request form-encoded (OIDC Core §3.1.2.1), as a client site's form would. */
  method?: 'GET' | 'POST';
};

/** Starts an authorization request; returns the URL and the values the RP must remember. */
export async function authorizationRequest(config: oidc.Configuration, options: AuthorizeOptions = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const params: Record<string, string> = {
    redirect_uri: options.redirectUri ?? CALLBACK, scope: options.scope ?? 'openid profile email', state, nonce,
    ...(options.pkce === false ? {} : { code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' }),
    ...(options.prompt ? { prompt: options.prompt } : {}),
    ...options.extra,
  };
  return { url: oidc.buildAuthorizationUrl(config, params), verifier: options.pkce === false ? undefined : verifier, state, nonce };
}

/** Signs in through the HTML pages (login, then consent when asked); returns the callback URL. */
export async function signIn(browser: Browser, authorizeUrl: URL, login: string, password: string, method: 'GET' | 'POST' = 'GET'): Promise<string> {
  let step = method === 'GET' ? await browser.follow(authorizeUrl.href) : await browser.follow(authorizeUrl.origin + authorizeUrl.pathname, {
    method: 'POST', body: authorizeUrl.searchParams, headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  if (step.res.status === 200 && step.res.html.includes('/login"')) {
    step = await browser.submit(step.res.html, step.url, '/login', { login, password });
  }
  if (step.res.status === 200 && step.res.html.includes('/confirm"')) {
    step = await browser.submit(step.res.html, step.url, '/confirm');
  }
  if (!step.url.startsWith(CALLBACK.split('/callback')[0])) {
    throw new Error(`sign-in did not reach the client: ${step.res.status} ${step.url}\n${step.res.html.slice(0, 2000)}`);
  }
  return step.url;
}

/** The whole code flow: authorize, sign in, exchange the code. */
export async function codeFlow(app: TestApp, config: oidc.Configuration, account: { username: string; password: string }, options: AuthorizeOptions = {}) {
  const request = await authorizationRequest(config, options);
  const browser = new Browser(app.url);
  const callback = await signIn(browser, request.url, account.username, account.password, options.method);
  const tokens = await oidc.authorizationCodeGrant(config, new URL(callback), {
    pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce,
  });
  return { tokens, browser, request, callback };
}

/**
 * A form POST to an OAuth endpoint without a client library, so the raw response can be
 * checked against the contract; `basic` authenticates the client with client_secret_basic.
 */
export async function formPost(app: TestApp, path: string, form: Record<string, string>, basic?: { id: string; secret: string }) {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic) headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(basic.id)}:${encodeURIComponent(basic.secret)}`).toString('base64')}`;
  return app.request(path, { method: 'POST', headers, body: new URLSearchParams(form).toString() });
}

export const tokenEndpoint = (app: TestApp, form: Record<string, string>, basic?: { id: string; secret: string }) =>
  formPost(app, '/oauth/token', form, basic);

export { oidc };
