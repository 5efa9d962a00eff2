import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { shareListening, type Listen } from '../../src/db/notifications.ts';
import { useTestApp } from '../support/test-app.ts';

describe('database change notifications (LISTEN)', () => {
  const app = useTestApp();
  const channel = 'notifications_test';

  /** Subscribes on the test database (whichever backend the run uses), recording what it is told. */
  async function subscribed() {
    const heard: string[] = [];
    const states: boolean[] = [];
    const listening = app.database.listen(channel, { onMessage: (payload) => heard.push(payload), onState: (now) => states.push(now) });
    for (let waited = 0; !states.includes(true); waited += 20) {
      if (waited > 5_000) expect.fail('not listening within 5 s');
      await sleep(20);
    }
    return { heard, listening };
  }

  const notify = (payload: string) => app.deps.db.raw('select pg_notify(?, ?)', [channel, payload]);

  /** Polls every 10 ms until `done` holds, failing after 5 s. */
  async function until(what: string, done: () => boolean): Promise<void> {
    for (let waited = 0; !done(); waited += 10) {
      if (waited > 5_000) expect.fail(`${what}: not within 5 s`);
      await sleep(10);
    }
  }

  it('reports listening, then hears what any connection notifies, in commit order', async () => {
    const { heard, listening } = await subscribed();
    try {
      await app.deps.db.transaction(async (trx) => {
        await trx.raw('select pg_notify(?, ?)', [channel, 'first']);
        await trx.raw('select pg_notify(?, ?)', [channel, 'second']);
      });
      await notify('third');
      for (let waited = 0; heard.length < 3 && waited < 1_000; waited += 10) await sleep(10);
      expect(heard).to.deep.equal(['first', 'second', 'third']);
    } finally {
      await listening.close();
    }
  });

  it('hears nothing of a transaction rolled back, and nothing once closed', async () => {
    const { heard, listening } = await subscribed();
    const rolledBack = await app.deps.db.transaction(async (trx) => {
      await trx.raw('select pg_notify(?, ?)', [channel, 'rolled back']);
      throw new Error('roll back');
    }).catch((err: Error) => err);
    expect(rolledBack.message).to.equal('roll back');
    await notify('before close');
    for (let waited = 0; heard.length < 1 && waited < 1_000; waited += 10) await sleep(10);
    await listening.close();
    await notify('after close');
    await sleep(100);
    expect(heard).to.deep.equal(['before close']);
  });

  it('shares one subscription among subscribers: each hears everything, one joining late is told it listens, the last close ends it', async () => {
    let opened = 0;
    let closed = 0;
    const counted: Listen = (name, handlers) => {
      opened += 1;
      const listening = app.database.listen(name, handlers);
      return { close: async () => { closed += 1; await listening.close(); } };
    };
    const listen = shareListening(counted);
    const first = { heard: [] as string[], states: [] as boolean[] };
    const second = { heard: [] as string[], states: [] as boolean[] };
    const subscribe = (to: typeof first) => listen(channel, { onMessage: (p) => to.heard.push(p), onState: (now) => to.states.push(now) });
    const a = subscribe(first);
    await until('listening', () => first.states.includes(true));
    const b = subscribe(second);
    expect(second.states, 'told at once').to.deep.equal([true]);
    await notify('both');
    await until('both heard it', () => first.heard.length === 1 && second.heard.length === 1);
    await a.close();
    expect(closed, 'still open for the second').to.equal(0);
    await notify('second only');
    await until('the second heard it', () => second.heard.length === 2);
    await b.close();
    await notify('nobody');
    await sleep(100);
    expect({ opened, closed, first: first.heard, second: second.heard }).to.deep.equal({ opened: 1, closed: 1, first: ['both'], second: ['both', 'second only'] });
  });
});
