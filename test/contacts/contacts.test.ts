import { expect } from 'chai';
import { operatorIn } from '../../src/audit/actor.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { upsertContact } from '../../src/contacts/contacts.ts';
import { createServerApiCredential } from '../../src/server-api/credentials.ts';
import { useTestApp, type TestResponse } from '../support/test-app.ts';
import { expectContract } from '../support/contract.ts';
import { unique } from '../support/seed.ts';

type Scope = Parameters<typeof createServerApiCredential>[2]['scopes'][number];

describe('Server API contacts', () => {
  const app = useTestApp();

  /** A tenant and a client for its Server API, authenticated with a key of `scopes`. */
  async function backend(scopes: Scope[] = ['server:contacts:read', 'server:contacts:write']) {
    const tenant = await app.seed.tenant();
    const { secret } = await createServerApiCredential(app.deps.db, operatorIn(tenant.id), { name: 'crm sync', scopes });
    const call = (method: string, path: string, json?: unknown): Promise<TestResponse> =>
      app.request(`/api/server/contacts${path}`, { method, json, headers: { authorization: `Bearer ${secret}` } });
    return {
      tenant,
      list: (query = '') => call('GET', query && `?${query}`),
      upsert: (json: unknown) => call('POST', '', json),
      get: (id: string) => call('GET', `/${id}`),
      patch: (id: string, json: unknown) => call('PATCH', `/${id}`, json),
      remove: (id: string) => call('DELETE', `/${id}`),
      rows: () => app.deps.db('contacts').where({ tenant_id: tenant.id }).orderBy('created_at'),
      audits: (action: string) => app.deps.db('audit_log').where({ tenant_id: tenant.id, action }).orderBy('id'),
    };
  }

  /** Upserts and expects a 200, returning the contact. */
  async function created(api: Awaited<ReturnType<typeof backend>>, json: Record<string, unknown>) {
    const res = await api.upsert(json);
    expect(res.status, res.text).to.equal(200);
    return res.body.data.contact;
  }

  describe('upsert', () => {
    it('creates a contact, with its phone in E.164, its source, and an audit row', async () => {
      const api = await backend();
      const res = await api.upsert({
        externalId: 'crm-1', name: ' Ada Lovelace ', phone: '+44 20 7946 0958', email: 'Ada@Example.com',
        company: 'Analytical Engines', tags: ['vip', 'vip', 'beta'], notes: 'Prefers email',
      });
      expect(res.status).to.equal(200);
      expectContract(res, 'upsertContact');
      expect(res.body.message).to.equal('Contact created');
      const contact = res.body.data.contact;
      expect(contact).to.include({
        externalId: 'crm-1', name: 'Ada Lovelace', phone: '+442079460958', email: 'Ada@Example.com',
        company: 'Analytical Engines', notes: 'Prefers email', source: 'server_api',
      });
      expect(contact.tags).to.deep.equal(['vip', 'beta']);
      expect(contact.createdAt).to.equal(contact.updatedAt);
      const [audit] = await api.audits('contact.created');
      expect(audit).to.include({ target_type: 'contact', target_id: contact.id, actor_type: 'server_api_key', outcome: 'success' });
    });

    it('leaves unset optional fields out of the contact', async () => {
      const api = await backend();
      const contact = await created(api, { name: 'Bare', phone: '+14155550100', company: '  ' });
      expect(contact).to.have.all.keys('id', 'name', 'phone', 'tags', 'source', 'createdAt', 'updatedAt');
      expect(contact.tags).to.deep.equal([]);
    });

    it('updates the contact with the same externalId, keeping fields it was not given', async () => {
      const api = await backend();
      const first = await created(api, { externalId: 'crm-7', name: 'Grace', phone: '+14155550101', company: 'Navy' });
      const res = await api.upsert({ externalId: 'crm-7', name: 'Grace Hopper', phone: '+14155550102' });
      expect(res.body.message).to.equal('Contact updated');
      expect(res.body.data.contact).to.include({ id: first.id, name: 'Grace Hopper', phone: '+14155550102', company: 'Navy' });
      expect(res.body.data.contact.updatedAt > first.updatedAt).to.equal(true);
      expect(await api.rows()).to.have.length(1);
      const [audit] = await api.audits('contact.updated');
      expect(audit.target_id).to.equal(first.id);
      expect(audit.details.fields).to.have.members(['name', 'phone']);
    });

    it('finds the contact by email in any letter case', async () => {
      const api = await backend();
      const first = await created(api, { name: 'Alan', phone: '+14155550103', email: 'alan@example.com' });
      const again = await created(api, { name: 'Alan Turing', phone: '+14155550104', email: 'ALAN@Example.COM' });
      expect(again).to.include({ id: first.id, name: 'Alan Turing', email: 'ALAN@Example.COM' });
      expect(await api.rows()).to.have.length(1);
    });

    it('finds the contact by its phone however the number is written', async () => {
      const api = await backend();
      const ids = [];
      for (const phone of ['+1 415 555 2671', '(415) 555-2671', '+14155552671', '011 1 415 555 2671']) {
        ids.push((await created(api, { name: 'Katherine', phone })).id);
      }
      expect(new Set(ids).size).to.equal(1);
      const rows = await api.rows();
      expect(rows).to.have.length(1);
      expect(rows[0].phone).to.equal('+14155552671');
    });

    it('reads a number without + in DEFAULT_PHONE_REGION (US unless configured)', async () => {
      const api = await backend();
      expect((await created(api, { name: 'Local', phone: '(212) 555-0188' })).phone).to.equal('+12125550188');
      expect((await created(api, { name: 'Abroad', phone: '011 49 30 1234567' })).phone).to.equal('+49301234567');
      // The service takes the region it is configured with: a German deployment reads 030… as Berlin.
      const { contact } = await upsertContact(app.deps.db, operatorIn(api.tenant.id), { name: 'Berlin', phone: '030 1234568' }, { phoneRegion: 'DE' });
      expect(contact.phone).to.equal('+49301234568');
    });

    it('answers an upsert that changes nothing with the contact, writing nothing', async () => {
      const api = await backend();
      const first = await created(api, { externalId: 'crm-9', name: 'Same', phone: '+14155550105', tags: ['a'] });
      const res = await api.upsert({ externalId: 'crm-9', name: 'Same', phone: '(415) 555-0105', tags: ['a'] });
      expect(res.body.message).to.equal('Contact unchanged');
      expect(res.body.data.contact).to.deep.equal(first);
      expect(await api.audits('contact.updated')).to.have.length(0);
    });

    it('refuses identifiers of two different contacts with 409 naming both, changing nothing', async () => {
      const api = await backend();
      const a = await created(api, { externalId: 'crm-a', name: 'A', phone: '+14155550106' });
      const b = await created(api, { name: 'B', phone: '+14155550107', email: 'b@example.com' });
      const res = await api.upsert({ externalId: 'crm-a', name: 'Merged', phone: '+14155550106', email: 'b@example.com' });
      expect(res.status).to.equal(409);
      expectContract(res, 'upsertContact');
      expect(res.body.code).to.equal('CONFLICT');
      expect(res.body.details.join(' ')).to.include(a.id).and.include(b.id);
      expect(res.body.details).to.include(`email matches contact ${b.id}`);
      expect((await api.get(a.id)).body.data.contact).to.deep.equal(a);
      expect((await api.get(b.id)).body.data.contact).to.deep.equal(b);
      expect(await api.rows()).to.have.length(2);
      expect(await api.audits('contact.updated')).to.have.length(0);
    });

    it('refuses to re-link a contact found by email to another externalId', async () => {
      const api = await backend();
      const a = await created(api, { externalId: 'crm-x', name: 'X', phone: '+14155550108', email: 'x@example.com' });
      const res = await api.upsert({ externalId: 'crm-y', name: 'Y', phone: '+14155550109', email: 'x@example.com' });
      expect(res.status).to.equal(409);
      expect(res.body.code).to.equal('CONFLICT');
      expect(res.body.details[0]).to.include(a.id);
      expect((await api.get(a.id)).body.data.contact).to.deep.equal(a);
    });

    it('links a contact found by email that has no externalId yet', async () => {
      const api = await backend();
      const a = await created(api, { name: 'Unlinked', phone: '+14155550110', email: 'u@example.com' });
      const linked = await created(api, { externalId: 'crm-u', name: 'Unlinked', phone: '+14155550110', email: 'u@example.com' });
      expect(linked).to.include({ id: a.id, externalId: 'crm-u' });
    });

    it('makes one contact of concurrent upserts of the same person', async () => {
      const api = await backend();
      const phones = ['+1 415 555 2672', '(415) 555-2672', '+14155552672'];
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) =>
        api.upsert({ externalId: 'crm-race', name: `Racer ${i}`, phone: phones[i % 3], email: i % 2 ? 'race@example.com' : 'RACE@example.com' })));
      expect(results.map((r) => r.status)).to.deep.equal(Array(10).fill(200));
      expect(new Set(results.map((r) => r.body.data.contact.id)).size).to.equal(1);
      expect(results.filter((r) => r.body.message === 'Contact created')).to.have.length(1);
      expect(await api.rows()).to.have.length(1);
      expect(await api.audits('contact.created')).to.have.length(1);
    });

    it('answers SERVER_CONTACT_VALIDATION_FAILED naming every problem, schema and rules alike', async () => {
      const api = await backend();
      const res = await api.upsert({ name: 5, phone: '12', email: 'not-an-email', tags: ['ok', 'a,b', ''], externalId: 'x'.repeat(256) });
      expect(res.status).to.equal(400);
      expectContract(res, 'upsertContact');
      expect(res.body.code).to.equal('SERVER_CONTACT_VALIDATION_FAILED');
      expect(res.body.details).to.have.members([
        'body.name must be string',
        'body.email must match format "email"',
        'body.phone "12" is not a valid phone number (write +<country code> and the number, or a national number of US)',
        'body.tags.1 must be 1-64 characters without a comma',
        'body.tags.2 must be 1-64 characters without a comma',
        'body.externalId must be at most 255 characters',
      ]);
      expect(await api.rows()).to.have.length(0);
    });

    it('answers SERVER_CONTACT_VALIDATION_FAILED for missing required fields and a missing body', async () => {
      const api = await backend();
      const missing = await api.upsert({ email: 'someone@example.com' });
      expect(missing.status).to.equal(400);
      expect(missing.body.code).to.equal('SERVER_CONTACT_VALIDATION_FAILED');
      expect(missing.body.details).to.have.members(['body.name is required', 'body.phone is required']);
      const blank = await api.upsert({ name: '   ', phone: '+14155550111' });
      expect(blank.body.details).to.deep.equal(['body.name must not be blank']);
      const none = await api.upsert(undefined);
      expect(none.status).to.equal(400);
      expect(none.body).to.include({ code: 'SERVER_CONTACT_VALIDATION_FAILED' });
      expect(none.body.details).to.deep.equal(['body is required']);
    });
  });

  describe('get', () => {
    it('reads a contact of the key\'s tenant', async () => {
      const api = await backend();
      const contact = await created(api, { name: 'Reader', phone: '+14155550112' });
      const res = await api.get(contact.id);
      expect(res.status).to.equal(200);
      expectContract(res, 'getContact');
      expect(res.body.data.contact).to.deep.equal(contact);
    });

    it('answers 404 NOT_FOUND for an unknown, a malformed, or another tenant\'s id', async () => {
      const [api, other] = [await backend(), await backend()];
      const theirs = await created(other, { name: 'Theirs', phone: '+14155550113' });
      for (const id of [crypto.randomUUID(), 'not-a-uuid', theirs.id]) {
        const res = await api.get(id);
        expect(res.status, id).to.equal(404);
        expectContract(res, 'getContact');
        expect(res.body.code).to.equal('NOT_FOUND');
      }
    });
  });

  describe('update (PATCH)', () => {
    it('changes only the given fields, normalised, and audits them', async () => {
      const api = await backend();
      const contact = await created(api, { name: 'Patchy', phone: '+14155550114', company: 'Old', notes: 'keep' });
      const res = await api.patch(contact.id, { phone: '(415) 555-0115', company: '', tags: ['new'] });
      expect(res.status).to.equal(200);
      expectContract(res, 'updateContact');
      const patched = res.body.data.contact;
      expect(patched).to.include({ id: contact.id, name: 'Patchy', phone: '+14155550115', notes: 'keep' });
      expect(patched).to.not.have.property('company');
      expect(patched.tags).to.deep.equal(['new']);
      const [audit] = await api.audits('contact.updated');
      expect(audit.details.fields).to.have.members(['phone', 'company', 'tags']);
    });

    it('answers an empty patch with the contact unchanged', async () => {
      const api = await backend();
      const contact = await created(api, { name: 'Still', phone: '+14155550116' });
      const res = await api.patch(contact.id, {});
      expect(res.status).to.equal(200);
      expect(res.body.data.contact).to.deep.equal(contact);
      expect(await api.audits('contact.updated')).to.have.length(0);
    });

    it('validates like create, naming every problem', async () => {
      const api = await backend();
      const contact = await created(api, { name: 'Valid', phone: '+14155550117' });
      const res = await api.patch(contact.id, { name: '', phone: 'call me', email: 'nope', tags: 'vip' });
      expect(res.status).to.equal(400);
      expectContract(res, 'updateContact');
      expect(res.body.code).to.equal('SERVER_CONTACT_VALIDATION_FAILED');
      expect(res.body.details).to.have.members([
        'body.name must not be blank',
        'body.phone "call me" is not a valid phone number (write +<country code> and the number, or a national number of US)',
        'body.email must match format "email"',
        'body.tags must be array',
      ]);
      expect((await api.get(contact.id)).body.data.contact).to.deep.equal(contact);
    });

    it('refuses identifiers of another contact with 409 naming both', async () => {
      const api = await backend();
      const a = await created(api, { name: 'A', phone: '+14155550118', email: 'a@example.com' });
      const b = await created(api, { name: 'B', phone: '+14155550119', externalId: 'crm-b' });
      const res = await api.patch(a.id, { email: 'a2@example.com', phone: '+1 415 555 0119' });
      expect(res.status).to.equal(409);
      expectContract(res, 'updateContact');
      expect(res.body.code).to.equal('CONFLICT');
      expect(res.body.details).to.deep.equal([`phone belongs to contact ${b.id}, not to contact ${a.id}`]);
      expect((await api.get(a.id)).body.data.contact).to.deep.equal(a);
    });

    it('lets a contact keep its own identifiers', async () => {
      const api = await backend();
      const a = await created(api, { name: 'Own', phone: '+14155550120', email: 'own@example.com' });
      const res = await api.patch(a.id, { email: 'OWN@example.com', phone: '+14155550120', name: 'Own Again' });
      expect(res.status).to.equal(200);
      expect(res.body.data.contact).to.include({ email: 'OWN@example.com', name: 'Own Again' });
    });

    it("answers 404 for another tenant's contact and leaves it unchanged", async () => {
      const [api, other] = [await backend(), await backend()];
      const theirs = await created(other, { name: 'Theirs', phone: '+14155550121' });
      const res = await api.patch(theirs.id, { name: 'Mine now' });
      expect(res.status).to.equal(404);
      expect(res.body.code).to.equal('NOT_FOUND');
      expect((await other.get(theirs.id)).body.data.contact).to.deep.equal(theirs);
      expect((await api.patch('not-a-uuid', { name: 'x' })).status).to.equal(404);
    });
  });

  describe('delete', () => {
    it('removes the contact, answers {deleted, id}, and audits it', async () => {
      const api = await backend();
      const contact = await created(api, { name: 'Gone', phone: '+14155550122' });
      const res = await api.remove(contact.id);
      expect(res.status).to.equal(200);
      expectContract(res, 'deleteContact');
      expect(res.body.data).to.deep.equal({ deleted: true, id: contact.id });
      expect((await api.get(contact.id)).status).to.equal(404);
      expect(await api.rows()).to.have.length(0);
      const [audit] = await api.audits('contact.deleted');
      expect(audit.target_id).to.equal(contact.id);
      const again = await api.remove(contact.id);
      expect(again.status).to.equal(404);
      expectContract(again, 'deleteContact');
    });

    it("answers 404 for another tenant's contact and keeps it", async () => {
      const [api, other] = [await backend(), await backend()];
      const theirs = await created(other, { name: 'Kept', phone: '+14155550123' });
      const res = await api.remove(theirs.id);
      expect(res.status).to.equal(404);
      expect(res.body.code).to.equal('NOT_FOUND');
      expect((await other.get(theirs.id)).status).to.equal(200);
      expect((await api.remove('not-a-uuid')).status).to.equal(404);
    });
  });

  describe('list', () => {
    async function directory() {
      const api = await backend();
      const people = [
        { name: 'Alice Archer', phone: '+14155550131', email: 'alice@acme.test', company: 'Acme', tags: ['vip', 'west'] },
        { name: 'Bob Baker', phone: '+14155550132', email: 'bob@bakery.test', company: 'Bakery', tags: ['west'] },
        { name: 'Carol Cole', phone: '+442079460959', email: 'carol@example.com', company: 'ACME Europe', tags: ['vip'] },
        { name: 'Dan 100%_Done', phone: '+14155550134', tags: [] },
      ];
      const contacts = [];
      for (const person of people) contacts.push(await created(api, person));
      return { api, contacts };
    }
    const names = (res: TestResponse) => res.body.data.contacts.map((c: { name: string }) => c.name);

    it('lists the tenant\'s contacts oldest first, with pagination', async () => {
      const { api } = await directory();
      const other = await backend();
      await created(other, { name: 'Other tenant', phone: '+14155550135' });
      const res = await api.list();
      expect(res.status).to.equal(200);
      expectContract(res, 'listContacts');
      expect(names(res)).to.deep.equal(['Alice Archer', 'Bob Baker', 'Carol Cole', 'Dan 100%_Done']);
      expect(res.body.data.pagination).to.deep.equal({ total: 4, page: 1, limit: 50, hasMore: false });
    });

    it('pages with total and hasMore', async () => {
      const { api } = await directory();
      const first = await api.list('limit=3');
      expect(names(first)).to.deep.equal(['Alice Archer', 'Bob Baker', 'Carol Cole']);
      expect(first.body.data.pagination).to.deep.equal({ total: 4, page: 1, limit: 3, hasMore: true });
      const second = await api.list('limit=3&page=2');
      expect(names(second)).to.deep.equal(['Dan 100%_Done']);
      expect(second.body.data.pagination).to.deep.equal({ total: 4, page: 2, limit: 3, hasMore: false });
      const past = await api.list('limit=3&page=3');
      expect(past.body.data.contacts).to.deep.equal([]);
      expect(past.body.data.pagination).to.deep.equal({ total: 4, page: 3, limit: 3, hasMore: false });
    });

    for (const [search, expected] of [
      ['acme', ['Alice Archer', 'Carol Cole']],            // company, any case
      ['BAKER', ['Bob Baker']],                            // name
      ['carol@example', ['Carol Cole']],                   // email
      ['+44 20 7946', ['Carol Cole']],                     // phone, as written
      ['4155550132', ['Bob Baker']],                       // phone digits
      ['100%_', ['Dan 100%_Done']],                        // LIKE characters are literal
      ['%', ['Dan 100%_Done']],
      ['nobody', []],
    ] as const) {
      it(`searches name, email, phone and company: "${search}"`, async () => {
        const { api } = await directory();
        const res = await api.list(`search=${encodeURIComponent(search)}`);
        expect(res.status).to.equal(200);
        expect(names(res)).to.deep.equal(expected);
        expect(res.body.data.pagination.total).to.equal(expected.length);
      });
    }

    it('filters by tags, keeping contacts that carry every listed tag', async () => {
      const { api } = await directory();
      expect(names(await api.list('tags=vip'))).to.deep.equal(['Alice Archer', 'Carol Cole']);
      expect(names(await api.list('tags=vip,west'))).to.deep.equal(['Alice Archer']);
      expect(names(await api.list(`tags=${encodeURIComponent(' west , ')}`))).to.deep.equal(['Alice Archer', 'Bob Baker']);
      expect(names(await api.list('tags=vip,nope'))).to.deep.equal([]);
      const both = await api.list('tags=west&search=bob');
      expect(names(both)).to.deep.equal(['Bob Baker']);
      expect(both.body.data.pagination.total).to.equal(1);
    });

    it('answers SERVER_CONTACT_VALIDATION_FAILED for a bad page or limit, naming each', async () => {
      const api = await backend();
      const res = await api.list('page=0&limit=101');
      expect(res.status).to.equal(400);
      expectContract(res, 'listContacts');
      expect(res.body.code).to.equal('SERVER_CONTACT_VALIDATION_FAILED');
      expect(res.body.details).to.have.members(['query.page must be >= 1', 'query.limit must be <= 100']);
      const far = await api.list('page=100001&limit=abc');
      expect(far.body.details).to.have.members(['query.page must be at most 100000', 'query.limit must be integer']);
    });
  });

  describe('keys', () => {
    it('needs server:contacts:write to change and server:contacts:read to read', async () => {
      const reader = await backend(['server:contacts:read']);
      const writer = await backend(['server:contacts:write']);
      const denied = await reader.upsert({ name: 'No', phone: '+14155550140' });
      expect(denied.status).to.equal(403);
      expectContract(denied, 'upsertContact');
      expect(denied.body.code).to.equal('SERVER_API_SCOPE_DENIED');
      const id = crypto.randomUUID();
      for (const res of [await reader.patch(id, { name: 'x' }), await reader.remove(id), await writer.list(), await writer.get(id)]) {
        expect(res.status).to.equal(403);
        expect(res.body.code).to.equal('SERVER_API_SCOPE_DENIED');
      }
      expect(await reader.rows()).to.have.length(0);
      expect((await reader.list()).status).to.equal(200);
    });

    it('answers 401 without a key', async () => {
      const res = await app.request('/api/server/contacts');
      expect(res.status).to.equal(401);
      expect(res.body.code).to.equal('SERVER_API_KEY_INVALID');
    });
  });

  describe('DEFAULT_PHONE_REGION', () => {
    it('defaults to US and takes any supported region, in any case', () => {
      expect(loadConfig({ NODE_ENV: 'test' }).defaultPhoneRegion).to.equal('US');
      expect(loadConfig({ NODE_ENV: 'test', DEFAULT_PHONE_REGION: 'de' }).defaultPhoneRegion).to.equal('DE');
    });

    it('refuses a region it does not know, naming the variable', () => {
      expect(() => loadConfig({ NODE_ENV: 'test', DEFAULT_PHONE_REGION: `X${unique()}` })).to.throw(ConfigError, /DEFAULT_PHONE_REGION must be a two-letter region code/);
    });
  });

  it('leaves other areas answering VALIDATION_FAILED for schema problems', async () => {
    const res = await app.request('/api/auth/owner-login', { method: 'POST', json: {} });
    expect(res.status).to.equal(400);
    expect(res.body.code).to.equal('VALIDATION_FAILED');
  });
});
