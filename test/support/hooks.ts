import { contract, exercised } from './contract.ts';
import { startTestApp, stopTestApp } from './test-app.ts';

// Root hooks: one migrated database and one listening app for the whole run.
export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(120_000);
    await startTestApp();
  },
  async afterAll() {
    await stopTestApp();
    console.log(`\n  contract coverage (responses validated by tests): ${exercised.size}/${contract.operations.size} operations`);
  },
};
