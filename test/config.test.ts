import { expect } from 'chai';
import { ConfigError, loadConfig } from '../src/config.ts';

const PRODUCTION = { NODE_ENV: 'production', ISSUER: 'https://id.example.com', DATABASE_URL: 'postgres://db.internal/ringnity' };

/** The ConfigError loadConfig throws for `env` (a test failure if it accepts it). */
function refused(env: Record<string, string>): ConfigError {
  const err = (() => { try { loadConfig(env); } catch (e) { return e; } })();
  expect(err, 'the configuration was accepted').to.be.instanceOf(ConfigError);
  return err as ConfigError;
}

describe('configuration', () => {
  describe('production refuses mistakes', () => {
    it('accepts an https issuer with PostgreSQL', () => {
      expect(loadConfig(PRODUCTION)).to.include({ env: 'production', issuer: 'https://id.example.com' });
    });

    it('refuses an http issuer on a public host, in one line naming ISSUER and the override', () => {
      const err = refused({ ...PRODUCTION, ISSUER: 'http://id.example.com' });
      expect(err.message).to.equal('Invalid configuration: ISSUER must be https when NODE_ENV=production (got "http://id.example.com"); set ALLOW_INSECURE_ISSUER=true to allow it');
    });

    it('accepts the http issuer with ALLOW_INSECURE_ISSUER=true', () => {
      expect(loadConfig({ ...PRODUCTION, ISSUER: 'http://id.example.com', ALLOW_INSECURE_ISSUER: 'true' }).issuer).to.equal('http://id.example.com');
    });

    for (const issuer of ['http://localhost:8192', 'http://127.0.0.1:8192', 'http://[::1]:8192']) {
      it(`accepts an http issuer on loopback (${issuer})`, () => {
        expect(loadConfig({ ...PRODUCTION, ISSUER: issuer }).issuer).to.equal(issuer);
      });
    }

    it('refuses the embedded database (no DATABASE_URL), in one line naming DATABASE_URL and the override', () => {
      const err = refused({ ...PRODUCTION, DATABASE_URL: '' });
      expect(err.message).to.equal('Invalid configuration: DATABASE_URL must be set when NODE_ENV=production (the embedded database is for one process); set ALLOW_EMBEDDED_DATABASE=true to allow it');
      expect(err.message).to.not.include('\n');
    });

    it('accepts the embedded database with ALLOW_EMBEDDED_DATABASE=true', () => {
      expect(loadConfig({ ...PRODUCTION, DATABASE_URL: '', ALLOW_EMBEDDED_DATABASE: 'true' }).databaseUrl).to.equal(undefined);
    });

    it('names both mistakes at once', () => {
      const err = refused({ NODE_ENV: 'production', ISSUER: 'http://id.example.com' });
      expect(err.message).to.match(/ISSUER must be https.*; DATABASE_URL must be set/);
    });

    it('allows both outside production', () => {
      expect(loadConfig({ NODE_ENV: 'development', ISSUER: 'http://id.example.com' })).to.include({ issuer: 'http://id.example.com', databaseUrl: undefined });
    });

    it('refuses an override that is not a boolean', () => {
      expect(refused({ ...PRODUCTION, ALLOW_INSECURE_ISSUER: 'perhaps' }).message).to.match(/ALLOW_INSECURE_ISSUER must be true or false/);
    });
  });

  describe('metrics', () => {
    const token = 'a-metrics-token-of-some-length';

    it('are open outside production when no METRICS_TOKEN is set', () => {
      expect(loadConfig({ NODE_ENV: 'test' }).metrics).to.deep.equal({ enabled: true, token: undefined });
    });

    it('are off in production without METRICS_TOKEN, on with it', () => {
      expect(loadConfig(PRODUCTION).metrics).to.deep.equal({ enabled: false, token: undefined });
      expect(loadConfig({ ...PRODUCTION, METRICS_TOKEN: token }).metrics).to.deep.equal({ enabled: true, token });
    });

    it('refuse a METRICS_TOKEN shorter than 16 characters', () => {
      expect(refused({ NODE_ENV: 'test', METRICS_TOKEN: 'short' }).message).to.match(/METRICS_TOKEN must be at least 16 characters/);
    });
  });

  describe('database query bound', () => {
    it('is 2 s by default, any bound of at least 100 ms, or 0 for none', () => {
      expect(loadConfig({ NODE_ENV: 'test' }).databaseQueryTimeoutMs).to.equal(2_000);
      expect(loadConfig({ NODE_ENV: 'test', DATABASE_QUERY_TIMEOUT_MS: '15000' }).databaseQueryTimeoutMs).to.equal(15_000);
      expect(loadConfig({ NODE_ENV: 'test', DATABASE_QUERY_TIMEOUT_MS: '0' }).databaseQueryTimeoutMs).to.equal(0);
    });

    it('refuses a value that would refuse ordinary queries, or no number', () => {
      for (const value of ['50', '-1', '2s']) {
        expect(refused({ NODE_ENV: 'test', DATABASE_QUERY_TIMEOUT_MS: value }).message).to.match(/DATABASE_QUERY_TIMEOUT_MS must be 0 \(no bound\) or an integer of at least 100/);
      }
    });
  });

  describe('access token cache', () => {
    it('keeps 10,000 tokens by default, any other count, or none with 0', () => {
      expect(loadConfig({ NODE_ENV: 'test' }).oidcTokenCacheSize).to.equal(10_000);
      expect(loadConfig({ NODE_ENV: 'test', OIDC_TOKEN_CACHE_SIZE: '500' }).oidcTokenCacheSize).to.equal(500);
      expect(loadConfig({ NODE_ENV: 'test', OIDC_TOKEN_CACHE_SIZE: '0' }).oidcTokenCacheSize).to.equal(0);
    });

    it('refuses a negative or fractional size, or no number', () => {
      for (const value of ['-1', '1.5', 'off']) {
        expect(refused({ NODE_ENV: 'test', OIDC_TOKEN_CACHE_SIZE: value }).message).to.match(/OIDC_TOKEN_CACHE_SIZE must be 0 \(off\) or a positive integer/);
      }
    });
  });
});
