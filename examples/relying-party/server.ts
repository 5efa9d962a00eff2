// `npm run example:rp`: the example relying party on http://localhost:3000, signing in with the
// demo client (`DEMO=1 npm start`) unless told otherwise. Settings (all optional):
//   ISSUER        Ringnity's issuer               (default http://localhost:8192)
//   CLIENT_ID     the OAuth client                (default: the demo client)
//   CLIENT_SECRET its secret; empty for a public client
//   REDIRECT_URI  one of the client's redirect URIs (default http://localhost:3000/callback)
import { startRelyingParty } from './relying-party.ts';

const DEMO_CLIENT = { id: 'rn_oauth_demo000000000000000000000', secret: 'rn_oauth_secret_demo-only-not-a-secret' };

const issuer = process.env.ISSUER || 'http://localhost:8192';
const clientId = process.env.CLIENT_ID || DEMO_CLIENT.id;
const clientSecret = process.env.CLIENT_SECRET ?? (clientId === DEMO_CLIENT.id ? DEMO_CLIENT.secret : undefined);

try {
  const rp = await startRelyingParty({ issuer, clientId, clientSecret: clientSecret || undefined, redirectUri: process.env.REDIRECT_URI || 'http://localhost:3000/callback' });
  console.log(`Example relying party on ${rp.url}: open it in a browser and sign in (issuer ${issuer}, client ${clientId})`);
} catch (err) {
  console.error(`Could not start: ${(err as Error).message}. Is Ringnity running at ${issuer}? (DEMO=1 npm start)`);
  process.exit(1);
}
