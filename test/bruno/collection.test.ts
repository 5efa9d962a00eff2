import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { expect } from 'chai';
import { apiAreas } from '../../src/app.ts';
import { projectRoot } from '../../src/config.ts';
import { useTestApp } from '../support/test-app.ts';
import { contract } from '../support/contract.ts';

// The parser Bruno itself reads .bru files with (CommonJS).
const { bruToJsonV2 } = createRequire(import.meta.url)('@usebruno/lang') as { bruToJsonV2(text: string): BruRequest };
type BruRequest = { http?: { method: string; url: string }; assertions?: { name: string; value: string; enabled: boolean }[] };

const COLLECTION = path.join(projectRoot, 'bruno');

/** Every request of the collection: its folder (a tag of the contract), method and path. */
function collectionRequests() {
  const requests: { file: string; folder: string; method: string; path: string; assertions: string[] }[] = [];
  for (const folder of readdirSync(COLLECTION, { withFileTypes: true })) {
    if (!folder.isDirectory() || folder.name === 'environments') continue;
    for (const file of readdirSync(path.join(COLLECTION, folder.name)).filter((f) => f.endsWith('.bru') && f !== 'folder.bru')) {
      const bru = bruToJsonV2(readFileSync(path.join(COLLECTION, folder.name, file), 'utf8'));
      const url = bru.http!.url.replace(/^\{\{baseUrl\}\}/, '').split('?')[0];
      requests.push({
        file: `${folder.name}/${file}`, folder: folder.name, method: bru.http!.method.toUpperCase(), path: url,
        assertions: (bru.assertions ?? []).filter((a) => a.enabled).map((a) => a.name),
      });
    }
  }
  return requests;
}

/** The operations this build serves: the /api routers' (by operation name) and the identity provider's, at the issuer root. */
function servedOperations(app: ReturnType<typeof useTestApp>) {
  const api = apiAreas({ ...app.deps, schemes: app.schemes }).flatMap((area) => area.stack.map((layer) => layer.name));
  return [...contract.operations.values()].filter((op) => !op.servedAt.startsWith('/api/') || api.includes(op.id));
}

const tagOf = (id: string) => {
  const op = contract.operations.get(id)!;
  return contract.document.paths[op.path][op.method.toLowerCase()].tags[0] as string;
};

describe('the Bruno collection', () => {
  const app = useTestApp();

  it('has a request for every served operation, in the folder of its tag, asserting its status', () => {
    const requests = collectionRequests();
    const missing: string[] = [];
    for (const op of servedOperations(app)) {
      const pattern = new RegExp('^' + op.servedAt.replace(/\{\w+\}/g, '[^/]+') + '$');
      const matching = requests.filter((r) => r.method === op.method && pattern.test(r.path));
      if (!matching.length) {
        missing.push(`${tagOf(op.id)}: ${op.id} (${op.method} ${op.servedAt})`);
        continue;
      }
      for (const request of matching) {
        expect(request.folder, `${request.file} belongs in the folder of its tag`).to.equal(tagOf(op.id));
        expect(request.assertions, `${request.file} asserts no status`).to.include('res.status');
      }
    }
    expect(missing, 'served operations without a Bruno request (add one under bruno/<tag>/)').to.deep.equal([]);
  });
});
