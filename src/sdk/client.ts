import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { paths } from '../contract/openapi-types.ts';

/**
 * The credential a client calls with, one per security scheme of the contract:
 * - `serverApiKey`: a Server API key (`Authorization: Bearer rn_sk_…`), only from a backend;
 * - `runtimeSession`: an SDK runtime token from `POST /sdk/session` or `/server/sdk-token/*`,
 *   sent as `X-Ringnity-SDK-Session`;
 * - `dashboardToken`: an owner, workspace or platform-admin JWT from the dashboard logins;
 * - `oauthAccessToken`: an access token from Login with Ringnity (`/oauth/userinfo`, `/oauth/tenant/*`).
 */
export type Credential =
  | { serverApiKey: string }
  | { runtimeSession: string }
  | { dashboardToken: string }
  | { oauthAccessToken: string };

export type RingnityClientOptions = Omit<ClientOptions, 'baseUrl'> & {
  /** The server's root URL, i.e. its issuer: `http://localhost:8192`, not `…/api`. */
  baseUrl: string;
  credential?: Credential;
};

/** Every operation of the contract, typed: `client.GET('/sdk/health')`, `client.POST('/server/contacts', { body })`. */
export type RingnityClient = Client<paths>;

/** The headers that present a credential. */
export function credentialHeaders(credential: Credential | undefined): Record<string, string> {
  if (!credential) return {};
  if ('runtimeSession' in credential) return { 'X-Ringnity-SDK-Session': credential.runtimeSession };
  const token = 'serverApiKey' in credential ? credential.serverApiKey
    : 'dashboardToken' in credential ? credential.dashboardToken : credential.oauthAccessToken;
  return { Authorization: `Bearer ${token}` };
}

/**
 * The contract serves the OpenID Connect endpoints at the issuer root (their path-level
 * `servers`) and everything else under `/api`.
 */
export const atIssuerRoot = (contractPath: string) => contractPath.startsWith('/oauth/') || contractPath.startsWith('/.well-known/');

/** A typed client of the Ringnity API over `fetch` (openapi-fetch on the contract's generated types). */
export function createRingnityClient({ baseUrl, credential, headers, ...options }: RingnityClientOptions): RingnityClient {
  const root = baseUrl.replace(/\/+$/, '');
  const client = createClient<paths>({
    ...options,
    baseUrl: `${root}/api`,
    headers: { ...credentialHeaders(credential), ...headersRecord(headers) },
  });
  client.use({
    onRequest({ request, schemaPath }) {
      if (!atIssuerRoot(schemaPath)) return undefined;
      return new Request(request.url.replace(`${root}/api/`, `${root}/`), request);
    },
  });
  return client;
}

function headersRecord(headers: ClientOptions['headers']): Record<string, string> {
  if (!headers) return {};
  if (headers instanceof Headers || Array.isArray(headers)) return Object.fromEntries(new Headers(headers));
  return Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [k, String(v)]));
}
