import { expect } from 'chai';
import fc from 'fast-check';
import { apiAreas } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Operation } from '../../src/contract/contract.ts';
import { createLogger } from '../../src/logger.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { contract, expectContractFor } from '../support/contract.ts';
import { codeFlow, relyingParty } from '../support/oidc-helpers.ts';
import { createSeeder } from '../support/seed.ts';
import { createTestDatabase } from '../support/test-database.ts';
import { clientAddress, freePort, request, testEnv, type TestApp, type TestResponse } from '../support/test-app.ts';

/**
 * Malformed and hostile input to every operation the app serves, generated from the
 * contract's own request schemas: no answer may be a 5xx, carry a stack trace, or break the
 * contract. Fixed seeds and a bounded number of runs keep it repeatable and quick; the list
 * of operations comes from the running app, so operations added later are fuzzed too.
 */
const SEED = 19;
const RUNS_PER_OPERATION = 15;

type Schema = Record<string, any>;
type FuzzRequest = { path: string; method: string; headers: Record<string, string>; body?: string };

/** A stack frame (`at fn (file:1:2)`), or a source path: what an error page must never show. */
const STACK_TRACE = /\n\s*at \S[^\n]*:\d+:\d+|node_modules\/|\bsrc\/[\w/-]+\.ts\b/;

const deref = (schema: Schema | undefined): Schema => {
  let s = schema ?? {};
  while (typeof s.$ref === 'string') s = s.$ref.slice(2).split('/').reduce((node: any, key: string) => node?.[key], contract.document) ?? {};
  return s;
};

/** allOf parts merged into one object schema (the contract uses allOf to extend envelopes and requests). */
function flatten(schema: Schema): Schema {
  const s = deref(schema);
  if (!s.allOf) return s;
  const parts = s.allOf.map(flatten);
  return {
    ...s, type: 'object', allOf: undefined,
    properties: Object.assign({}, ...parts.map((p: Schema) => p.properties ?? {}), s.properties ?? {}),
    required: [...parts.flatMap((p: Schema) => p.required ?? []), ...(s.required ?? [])],
  };
}

function nested(depth: number, inner: unknown = 0): unknown {
  let value = inner;
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
}

/** What an attacker or a broken client sends in place of a field. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('\u0000', 'a\u0000b', '\u0001\u0002\u001f\u007f', '\u001b[31mred', 'line\r\nX-Injected: 1', '\ud800', '\ufeff', '\u202e', ''),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 20 }).map((s) => `${s}\u0000${s}`),
  fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, -(2 ** 63), 1e-320, -0, 0.5, Number.MAX_VALUE),
  fc.constantFrom('9'.repeat(400), '-1', '1e999', 'NaN', 'Infinity', '0x10'),
  fc.constantFrom(null, true, false, 0, -1, [], {}, [null], [[]], { $ne: 1 }, { $gt: '' }),
  fc.constantFrom("' OR 1=1 --", '"; DROP TABLE accounts; --', '${jndi:ldap://x}', '<script>alert(1)</script>', '../../etc/passwd', '%00', '{{7*7}}'),
  fc.constantFrom(JSON.parse('{"__proto__":{"isAdmin":true}}'), { constructor: { prototype: { isAdmin: true } } }),
  fc.integer({ min: 1, max: 20_000 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 20, max: 3_000 }).map((depth) => nested(depth)),
  fc.anything({ maxDepth: 3 }),
);

/** Values of the schema's shape: the base that one hostile change is made to. */
function shaped(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const s = flatten(schema ?? {});
  if (s.const !== undefined) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...s.enum);
  const alternatives = s.oneOf ?? s.anyOf;
  if (alternatives) return fc.oneof(...alternatives.map((a: Schema) => shaped(a, depth + 1)));
  const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== 'null') : s.type ?? (s.properties ? 'object' : undefined);
  switch (type) {
    case 'string': return shapedString(s);
    case 'integer': return fc.integer({ min: s.minimum ?? -1_000, max: s.maximum ?? 1_000_000 });
    case 'number': return fc.double({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e6, noNaN: true });
    case 'boolean': return fc.boolean();
    case 'array': return depth > 4 ? fc.constant([]) : fc.array(shaped(s.items, depth + 1), { maxLength: 3 });
    case 'object': {
      if (depth > 4) return fc.constant({});
      const properties = Object.entries<Schema>(s.properties ?? {});
      return fc.record(Object.fromEntries(properties.map(([key, value]) => [key, shaped(value, depth + 1)])), { requiredKeys: (s.required ?? []).filter((k: string) => s.properties?.[k]) });
    }
    default: return fc.oneof(fc.string({ maxLength: 10 }), fc.integer());
  }
}

function shapedString(s: Schema): fc.Arbitrary<string> {
  switch (s.format) {
    case 'uuid': return fc.uuid();
    case 'email': return fc.emailAddress();
    case 'uri': return fc.webUrl();
    case 'date-time': return fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => d.toISOString());
    case 'date': return fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
  }
  if (s.pattern) {
    try {
      return fc.stringMatching(new RegExp(s.pattern), { size: 'xsmall' });
    } catch { /* a pattern fast-check cannot generate from: any string */ }
  }
  return fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 24, 24) });
}

/** An object of the schema's shape with one field replaced, removed or added, or not an object at all. */
function hostileObject(schema: Schema | undefined): fc.Arbitrary<unknown> {
  const s = flatten(schema ?? {});
  const keys = Object.keys(s.properties ?? {});
  const base = shaped(s) as fc.Arbitrary<Record<string, unknown>>;
  const changes: Array<fc.Arbitrary<unknown>> = [
    base,
    fc.tuple(base, fc.string({ maxLength: 12 }), hostileValue).map(([o, key, v]) => ({ ...o, [key || 'extra']: v })),
    hostileValue,
  ];
  if (keys.length) {
    changes.push(
      fc.tuple(base, fc.constantFrom(...keys), hostileValue).map(([o, key, v]) => ({ ...o, [key]: v })),
      fc.tuple(base, fc.constantFrom(...keys)).map(([o, key]) => Object.fromEntries(Object.entries(o ?? {}).filter(([k]) => k !== key))),
      fc.tuple(fc.constantFrom(...keys), hostileValue).map(([key, v]) => ({ [key]: v })),
    );
  }
  return fc.oneof(...changes);
}

/** A request body as sent: JSON of a hostile object, or text that is no JSON object at all. */
function bodyOf(op: Operation): fc.Arbitrary<{ contentType?: string; text?: string }> {
  const declared = op.requestBody?.contentTypes ?? [];
  const schema = op.requestBody?.schema;
  const broken = fc.constantFrom('', '{', '{"a":1,"a":2}', '\ufeff{}', 'null', '[]', '"text"', '{"a":"\\u0000"}', '{"a":1e999}', `${'['.repeat(5_000)}${']'.repeat(5_000)}`);
  const contentType = fc.constantFrom(...declared, 'application/json', 'text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded');
  if (declared.includes('application/json')) {
    return fc.oneof(
      { weight: 4, arbitrary: hostileObject(schema).map((v) => ({ contentType: 'application/json', text: JSON.stringify(v) ?? 'null' })) },
      { weight: 1, arbitrary: fc.record({ contentType, text: broken }) },
      { weight: 1, arbitrary: fc.constant({}) },
    );
  }
  if (declared.includes('application/x-www-form-urlencoded')) {
    return fc.oneof(
      { weight: 4, arbitrary: hostileObject(schema).map((v) => ({ contentType: 'application/x-www-form-urlencoded', text: formOf(v) })) },
      { weight: 1, arbitrary: fc.record({ contentType, text: fc.oneof(broken, fc.string({ unit: 'binary', maxLength: 200 })) }) },
    );
  }
  if (declared.length) return fc.record({ contentType, text: fc.oneof(broken, fc.string({ unit: 'binary', maxLength: 500 })) });
  return fc.oneof({ weight: 5, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: fc.record({ contentType, text: broken }) });
}

const asText = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value) ?? '');

function formOf(value: unknown): string {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return asText(value);
  return new URLSearchParams(Object.entries(value).map(([k, v]): [string, string] => [k, asText(v)])).toString();
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A path or query parameter: of its schema's shape, or hostile; a lone surrogate has no URL encoding. */
const paramValue = (schema: Schema | undefined) => fc.oneof(shaped(schema).map(asText), hostileValue.map(asText)).map((v) => v.replace(LONE_SURROGATE, '\ufffd'));

/** A path segment that stays one: empty or dot segments would make the URL another operation's. */
const segmentValue = (schema: Schema | undefined) => paramValue(schema).map((v) => (v === '' || v === '.' || v === '..' ? `${v}x` : v));

/** Credentials for each security scheme: a working one, one of another kind, or a broken one. */
type Credentials = Record<string, string[]>;

const BROKEN_BEARERS = ['', 'Bearer', 'Bearer ', 'Basic Zm9vOmJhcg==', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', `Bearer ${'A'.repeat(8_000)}`, 'Bearer rn_sk_live_nope', 'bearer x y z'];

function authOf(op: Operation, credentials: Credentials): fc.Arbitrary<Record<string, string>> {
  const schemes = op.security.flatMap((alternative) => Object.keys(alternative));
  if (!schemes.length) return fc.constant({});
  const headerOf = (scheme: string, value: string): Record<string, string> =>
    scheme === 'RuntimeBearer' ? { 'x-ringnity-sdk-session': value.replace(/^Bearer /, '') } : { authorization: value };
  const valid = fc.constantFrom(...schemes).chain((scheme) => fc.constantFrom(...credentials[scheme]).map((c) => headerOf(scheme, c)));
  const otherKind = fc.constantFrom(...Object.values(credentials).flat()).map((c) => ({ authorization: c }));
  const broken = fc.tuple(fc.constantFrom(...schemes), fc.constantFrom(...BROKEN_BEARERS)).map(([scheme, c]) => (c ? headerOf(scheme, c) : {}));
  return fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: otherKind }, { weight: 1, arbitrary: broken });
}

function requestOf(op: Operation, credentials: Credentials): fc.Arbitrary<FuzzRequest> {
  const inPath = op.parameters.filter((p) => p.in === 'path');
  const inQuery = op.parameters.filter((p) => p.in === 'query');
  return fc.record({
    path: fc.record(Object.fromEntries(inPath.map((p) => [p.name, segmentValue(p.schema)]))),
    query: fc.record(Object.fromEntries(inQuery.map((p) => [p.name, paramValue(p.schema)])), { requiredKeys: [] }),
    extraQuery: fc.option(fc.tuple(fc.string({ maxLength: 8 }), hostileValue.map(asText)), { nil: undefined }),
    auth: authOf(op, credentials),
    body: bodyOf(op),
  }).map(({ path, query, extraQuery, auth, body }) => {
    const url = op.servedAt.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent((path as Record<string, string>)[name] ?? ''));
    const search = new URLSearchParams(Object.entries(query as Record<string, string>));
    if (extraQuery) search.append(extraQuery[0] || 'extra', extraQuery[1]);
    const headers: Record<string, string> = { ...auth };
    if (body.contentType) headers['content-type'] = body.contentType;
    const hasBody = body.text !== undefined && op.method !== 'GET' && op.method !== 'HEAD';
    return { method: op.method, path: search.size ? `${url}?${search}` : url, headers, ...(hasBody ? { body: body.text } : {}) };
  });
}

/** A request for a failure message: long values cut down to their start. */
const shortened = (req: FuzzRequest | undefined) =>
  JSON.stringify(req, (_key, value) => (typeof value === 'string' && value.length > 160 ? `${value.slice(0, 160)}…(${value.length})` : value));

/** A seed per operation, so adding an operation leaves the others' inputs as they were. */
const seedOf = (id: string) => [...id].reduce((h, c) => (h * 31 + c.charCodeAt(0)) | 0, SEED);

describe('contract-driven fuzzing of every served operation', function () {
  this.timeout(120_000);
  let fuzzApp: TestApp & { closeDatabase(): Promise<void> };
  let credentials: Credentials;

  // Its own app on its own database: hostile input may change what it reaches (plans, pricing,
  // sessions), which no other test may see.
  before(async () => {
    const database = await createTestDatabase();
    const port = await freePort();
    const config = loadConfig(testEnv({ PORT: String(port), TRUST_PROXY: 'true' }));
    const running: RunningServer = await startServer(config, createLogger(config), { database: { ...database, close: async () => {} } });
    fuzzApp = {
      ...running, seed: createSeeder(running.deps), databaseUrl: database.url,
      request: async (p, init = {}) => {
        const res = await request(running.url, p, { ...init, headers: { 'x-forwarded-for': clientAddress(), ...Object.fromEntries(new Headers(init.headers)) } });
        expectContractFor(init.method ?? 'GET', p, res);
        return res;
      },
      closeDatabase: () => database.close(),
    };
    credentials = await credentialsFor(fuzzApp);
  });

  after(async () => {
    await fuzzApp?.stop();
    await fuzzApp?.closeDatabase();
  });

  /** Runs the generated requests against one operation; a description of the first failure, if any. */
  async function fuzz(op: Operation): Promise<string | undefined> {
    let failing: FuzzRequest | undefined;
    try {
      await fc.assert(fc.asyncProperty(requestOf(op, credentials), async (req) => {
        failing = req;
        const res: TestResponse = await fuzzApp.request(req.path, { method: req.method, headers: req.headers, body: req.body });
        expect(res.status, `answered ${res.status}: ${res.text.slice(0, 300)}`).to.be.below(500);
        expect(STACK_TRACE.test(res.text), `answered a stack trace: ${res.text.slice(0, 300)}`).to.equal(false);
      }), { seed: seedOf(op.id), numRuns: RUNS_PER_OPERATION, endOnFailure: true });
      return undefined;
    } catch (err) {
      const reason = ((err as Error).cause as Error | undefined)?.message ?? (err as Error).message;
      return `${op.id}: ${reason.slice(0, 600)}\n    request: ${shortened(failing)}`;
    }
  }

  it('answers hostile input to every /api operation the routers serve without a 5xx, a stack trace or a contract violation', async () => {
    const served = apiAreas({ ...fuzzApp.deps, schemes: fuzzApp.schemes })
      .flatMap((router) => router.stack.map((layer) => contract.operations.get(layer.name ?? '')).filter((op): op is Operation => !!op));
    expect(served.length).to.be.above(30);
    console.log(`      fuzzed: ${served.length} /api operations, ${RUNS_PER_OPERATION} requests each`);
    const failures = [];
    for (const op of served) failures.push(await fuzz(op));
    expect(failures.filter(Boolean), failures.filter(Boolean).join('\n\n')).to.deep.equal([]);
  });

  it('answers hostile input to every OpenID Connect endpoint at the issuer root the same way', async () => {
    const atRoot = [...contract.operations.values()].filter((op) => !op.servedAt.startsWith('/api/'));
    // Served is what does not answer 404 to a plain request (a contract operation this release lacks would).
    const served = [];
    for (const op of atRoot) {
      const probe = await request(fuzzApp.url, op.servedAt, { method: op.method });
      if (probe.status !== 404) served.push(op);
    }
    expect(served.map((op) => op.id)).to.include.members(['exchangeRingnityOAuthToken', 'authorizeWithRingnity', 'getRingnityOAuthUserInfo']);
    console.log(`      fuzzed: ${served.length} issuer-root operations, ${RUNS_PER_OPERATION} requests each`);
    const failures = [];
    for (const op of served) failures.push(await fuzz(op));
    expect(failures.filter(Boolean), failures.filter(Boolean).join('\n\n')).to.deep.equal([]);
  });
});

/** Working credentials of every kind the contract's security schemes name, for one tenant. */
async function credentialsFor(app: TestApp): Promise<Credentials> {
  const tenant = await app.seed.tenant({ plan: 'enterprise' });
  const agent = await app.seed.account(tenant.id, { role: 'agent' });
  const admin = await app.seed.platformAdmin('platform_owner');
  const data = async (path: string, json: unknown, headers: Record<string, string> = {}) => {
    const res = await app.request(path, { method: 'POST', json, headers });
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${res.text}`);
    return res.body.data;
  };
  const owner = `Bearer ${(await data('/api/auth/owner-login', { email: tenant.ownerEmail, password: tenant.password })).accessToken}`;
  const workspace = `Bearer ${(await data('/api/auth/workspace-login', { username: agent.username, password: agent.password, slug: tenant.slug })).accessToken}`;
  const platform = `Bearer ${(await data('/api/platform/auth/login', { email: admin.email, password: admin.password })).accessToken}`;
  const scopes = contract.document.components.schemas.ServerApiScope.enum as string[];
  const serverKey = `Bearer ${(await app.seed.serverKey(tenant.id, scopes as never)).secret}`;
  const server = { authorization: serverKey };
  const runtime = [
    (await data('/api/sdk/session', { slug: tenant.slug })).sessionToken,
    (await data('/api/server/sdk-token/agent', { agentId: agent.id }, server)).token,
    (await data('/api/server/sdk-token/admin', { adminActorId: tenant.owner.id }, server)).token,
  ].filter(Boolean).map((t: string) => `Bearer ${t}`);
  const client = await app.seed.oauthClient(tenant.id, { type: 'public', allowedScopes: ['openid', 'profile', 'developer.read', 'tenant.domains.write'] });
  const { tokens } = await codeFlow(app, await relyingParty(app, client), agent, { scope: 'openid profile developer.read tenant.domains.write' });
  return {
    OwnerBearer: [owner], WorkspaceBearer: [workspace], DashboardBearer: [owner, workspace], PlatformBearer: [platform],
    ServerApiKey: [serverKey], RuntimeBearer: runtime, OAuthAccessToken: [`Bearer ${tokens.access_token}`],
  };
}
