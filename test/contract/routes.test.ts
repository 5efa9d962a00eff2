import { expect } from 'chai';
import { apiAreas } from '../../src/app.ts';
import { useTestApp } from '../support/test-app.ts';
import { contract } from '../support/contract.ts';

describe('the contract is the only source of routes', () => {
  const app = useTestApp();

  it('serves under /api only operations of the contract, at their method and path', () => {
    const served: string[] = [];
    for (const area of apiAreas({ ...app.deps, schemes: app.schemes })) {
      for (const layer of area.stack) {
        const op = layer.name ? contract.operations.get(layer.name) : undefined;
        expect(op, `route ${layer.methods.join(',')} ${layer.path} is not a contract operation`).to.exist;
        expect(`/api${layer.path}`).to.equal(op!.servedAt.replace(/\{(\w+)\}/g, ':$1'));
        expect(layer.methods).to.include(op!.method);
        served.push(op!.id);
      }
    }
    expect(new Set(served).size, 'an operation is registered twice').to.equal(served.length);
    console.log(`      contract coverage (operations served under /api): ${served.length}/${[...contract.operations.values()].filter((o) => o.servedAt.startsWith('/api/')).length}`);
  });

  it('advertises in discovery only endpoints the contract has', async () => {
    const res = await app.request('/.well-known/openid-configuration');
    const paths = new Set([...contract.operations.values()].map((o) => o.servedAt));
    const endpoints = Object.entries(res.body as Record<string, unknown>)
      .filter(([key, value]) => (key.endsWith('_endpoint') || key === 'jwks_uri') && typeof value === 'string');
    expect(endpoints.length).to.be.greaterThan(5);
    for (const [key, value] of endpoints) {
      expect(paths.has(new URL(value as string).pathname), `${key} ${value} is not in the contract`).to.equal(true);
    }
  });

  it('serves the contract it validates against, additions included, at /openapi.json', async () => {
    const res = await app.request('/openapi.json');
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^application\/json/);
    expect(res.body.openapi).to.equal('3.1.0');
    expect(res.body).to.deep.equal(contract.document);
    expect(res.body.paths['/oauth/introspect'].post.operationId).to.equal('introspectRingnityOAuthToken');
  });
});
