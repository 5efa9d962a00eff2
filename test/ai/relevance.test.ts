import { expect } from 'chai';
import { chunkText, CHUNK_LIMITS } from '../../src/ai/chunking.ts';
import { chatTenant, visitorOf } from '../conversations/chat-support.ts';
import { useTestApp } from '../support/test-app.ts';
import { adminTokenOf, ingested, visitorAi } from './ai-support.ts';

/** A small shop's help centre: one document per topic. */
const CORPUS: Record<string, string> = {
  'shipping.md': '# Shipping\n\nWe ship to every country in the European Union. Standard delivery takes three to five working days; express delivery arrives the next working day when ordered before 2 pm.\n\n## Costs\n\nShipping is free for orders above 50 euros.',
  'returns.md': '# Returns and refunds\n\nYou can return unworn items within 30 days. Print the prepaid return label from your account. Refunds are paid to the original payment method within five days of the return arriving.',
  'sizes.md': '# Size guide\n\nOur shoes run small: order half a size up. Measure your foot length in centimetres and compare it with the size chart.',
  'payment.md': '# Payment\n\nWe accept Visa, Mastercard, PayPal and bank transfer. Invoices for companies are available on request.',
  'care.md': '# Caring for leather\n\nClean leather with a damp cloth and polish it with beeswax once a month. Keep it away from radiators.',
  'account.md': '# Your account\n\nReset your password from the login page with "Forgot password". Two-factor authentication can be switched on in the security settings.',
};

/** Questions as visitors ask them, and the document that answers each. */
const QUESTIONS: Array<[string, string]> = [
  ['How long does delivery take?', 'shipping'],
  ['Is shipping free?', 'shipping'],
  ['When will I get my refund?', 'returns'],
  ['How do I send shoes back for a refund?', 'returns'],
  ['Which size should I order?', 'sizes'],
  ['Can I pay with PayPal?', 'payment'],
  ['How should I polish my leather boots?', 'care'],
  ['I forgot my password', 'account'],
  ['How do I enable two-factor authentication?', 'account'],
];

describe('AI knowledge search relevance', () => {
  const app = useTestApp();

  it('finds the right document first for each question of a fixed corpus', async () => {
    const { tenant } = await chatTenant(app);
    const token = await adminTokenOf(app, tenant);
    const ids: Record<string, string> = {};
    for (const [name, text] of Object.entries(CORPUS)) ids[name.replace(/\.md$/, '')] = (await ingested(app, token, tenant.id, name, text)).knowledgeItemId;
    const ai = visitorAi(app, (await visitorOf(app, tenant.slug)).token);
    for (const [question, answer] of QUESTIONS) {
      const res = await ai.search({ query: question, limit: 3 });
      expect(res.body.data.results[0]?.knowledgeItemId, question).to.equal(ids[answer]);
    }
  });

  it('limits the query and the result count', async () => {
    const { tenant } = await chatTenant(app);
    const ai = visitorAi(app, (await visitorOf(app, tenant.slug)).token);
    for (const body of [{ query: 'x'.repeat(501) }, { query: '  ' }, { query: 'ok', limit: 21 }, { query: 'ok', limit: 0 }, {}]) {
      const res = await ai.search(body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
    }
    expect((await ai.search({ query: '!!! "" -' })).body.data.results).to.deep.equal([]);
  });

  it('chunks along headings and paragraphs, with overlap between a section\'s chunks', () => {
    const paragraph = (n: number) => `Paragraph ${n} ${'word '.repeat(60).trim()}.`;
    const text = `# First\n\n${[1, 2, 3, 4, 5].map(paragraph).join('\n\n')}\n\n## Second\n\nShort one.`;
    const chunks = chunkText(text);
    expect(chunks.length).to.be.above(2);
    expect(chunks.map((c) => c.heading)).to.deep.equal([...chunks.slice(0, -1).map(() => 'First'), 'Second']);
    expect(chunks.every((c) => c.body.length <= CHUNK_LIMITS.max)).to.equal(true);
    const carried = chunks[0].body.slice(-40);
    expect(chunks[1].body).to.contain(carried);
  });
});
