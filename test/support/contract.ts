import { expect } from 'chai';
import { describeErrors, loadContract } from '../../src/contract/contract.ts';

export const contract = loadContract();

/** Operations whose responses the tests validated; printed as coverage at the end of the run. */
export const exercised = new Set<string>();

type Response = { status: number; body: unknown; headers?: Headers };

/**
 * Asserts that a response matches the contract for its operation and status
 * (an exact status, else its `4XX`-style range, else `default`): its media type is one the
 * contract declares (when the headers are given) and its body matches the declared schema.
 */
export function expectContract(res: Response, operationId: string): void {
  const op = contract.operations.get(operationId);
  if (!op) throw new Error(`unknown operation ${operationId}`);
  const declared = op.responses[String(res.status)] ?? op.responses[`${String(res.status)[0]}XX`] ?? op.responses.default
    ?? (res.status >= 400 ? undeclaredError(op.servedAt) : undefined);
  expect(declared, `${operationId} does not declare status ${res.status} (body: ${JSON.stringify(res.body)})`).to.exist;
  exercised.add(operationId);
  const mediaType = res.headers?.get('content-type')?.split(';')[0].trim();
  if (mediaType && declared.contentTypes.length) {
    expect(declared.contentTypes, `${operationId} ${res.status} answered ${mediaType}`).to.include(mediaType);
  }
  if (!declared.schema) return;
  const validate = contract.validator(declared.schema);
  const ok = validate(res.body);
  expect(ok, `${operationId} ${res.status} breaks the contract: ${describeErrors('body', validate.errors).join('; ')}\n${JSON.stringify(res.body)}`).to.equal(true);
}

/**
 * Many operations declare only their success; the README's contract additions say every
 * /api operation may also answer the generic ErrorEnvelope errors, and every OAuth
 * endpoint an OAuthError.
 */
function undeclaredError(servedAt: string) {
  const name = servedAt.startsWith('/api/') ? 'ErrorEnvelope' : 'OAuthError';
  return { contentTypes: ['application/json'], schema: { $ref: `#/components/schemas/${name}` } };
}

/** For responses no operation declares (404, 405, 413 on an unknown path…): still an ErrorEnvelope. */
export function expectErrorEnvelope(res: Response): void {
  const validate = contract.validator({ $ref: '#/components/schemas/ErrorEnvelope' });
  expect(validate(res.body), `not an ErrorEnvelope: ${describeErrors('body', validate.errors).join('; ')}\n${JSON.stringify(res.body)}`).to.equal(true);
}

const routes = [...contract.operations.values()].map((op) => ({
  op, pattern: new RegExp('^' + op.servedAt.replace(/\{\w+\}/g, '[^/]+') + '$'),
}));

/**
 * Validates any JSON response of the app against the operation its method and path name
 * (or, for an /api path the contract does not have, against ErrorEnvelope). The shared test
 * app runs this on every response, so no test can forget it.
 */
export function expectContractFor(method: string, path: string, res: Response): void {
  if (res.body === undefined) return; // not JSON: HTML pages and redirects
  const pathname = new URL(path, 'http://app').pathname;
  const match = routes.find((r) => r.op.method === method.toUpperCase() && r.pattern.test(pathname));
  if (match) expectContract(res, match.op.id);
  else if (pathname.startsWith('/api/')) expectErrorEnvelope(res);
}
