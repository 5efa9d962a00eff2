import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
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
});
