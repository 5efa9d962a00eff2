import { expect } from 'chai';
import { MAX_INPUT_DEPTH, nestedDeeperThan } from '../../src/http/input-depth.ts';
import { useTestApp } from '../support/test-app.ts';

const nested = (depth: number): unknown => {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
};

/** Thousands of nesting levels fit in a small body; walking them recursively overflows the stack. */
describe('deeply nested input', () => {
  const app = useTestApp();

  it('answers 400 VALIDATION_FAILED for a JSON body nested thousands of levels deep, not a 500', async () => {
    for (const [path, body] of [
      ['/api/auth/workspace-logout', `{"refreshToken":${'{"a":['.repeat(2_500)}0${']}'.repeat(2_500)}}`],
      ['/api/auth/owner-login', `${'['.repeat(50_000)}${']'.repeat(50_000)}`],
    ]) {
      const res = await app.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status, `${path}: ${res.text}`).to.equal(400);
      expect(res.body.code).to.equal('VALIDATION_FAILED');
      expect(res.body.details).to.deep.equal([`body is nested more than ${MAX_INPUT_DEPTH} levels deep`]);
    }
  });

  it('still takes input as deep as the limit', () => {
    expect(nestedDeeperThan(nested(MAX_INPUT_DEPTH), MAX_INPUT_DEPTH)).to.equal(false);
    expect(nestedDeeperThan(nested(MAX_INPUT_DEPTH + 1), MAX_INPUT_DEPTH)).to.equal(true);
    expect(nestedDeeperThan({ a: 1, b: [1, 2, { c: 'x' }] }, 3)).to.equal(false);
  });
});
