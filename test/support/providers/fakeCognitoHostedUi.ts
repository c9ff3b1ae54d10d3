import { createHash, randomUUID } from 'node:crypto';
import { mintToken, type TestIdentity } from '../../../src/identity/testing/tokens.js';
import type { IdTokenOptions } from '../../../src/identity/idToken.js';
import { type FakeResponse, startJsonServer } from './http.js';

/**
 * A Cognito hosted UI double speaking its OAuth 2.0 endpoints' wire format: `GET /oauth2/authorize`
 * (authorization code with PKCE, S256 only) signs the user in at once and redirects back with
 * `code` and `state`; `POST /oauth2/token` (form-encoded, public client: no secret) trades the code,
 * once, for tokens when the `code_verifier` hashes to the challenge, answering CORS as Cognito does.
 */
export async function startFakeCognitoHostedUi(identity: TestIdentity, user: IdTokenOptions) {
  const codes = new Map<string, { challenge: string; redirectUri: string; clientId: string }>();
  /** Every token request as received: what the browser sent. */
  const tokenRequests: URLSearchParams[] = [];
  const cors = (origin: string | undefined): Record<string, string> => (origin ? { 'access-control-allow-origin': origin } : {});
  const oauthError = (error: string, origin?: string): FakeResponse => ({ status: 400, body: { error }, headers: cors(origin) });

  const server = await startJsonServer((request): FakeResponse => {
    if (request.method === 'GET' && request.path === '/oauth2/authorize') {
      const q = request.query;
      const redirectUri = q.get('redirect_uri');
      const challenge = q.get('code_challenge');
      if (q.get('response_type') !== 'code' || q.get('client_id') !== identity.clientId || redirectUri === null) {
        return oauthError('invalid_request');
      }
      if (challenge === null || q.get('code_challenge_method') !== 'S256') return oauthError('invalid_request');
      if (!(q.get('scope') ?? '').split(' ').includes('openid')) return oauthError('invalid_scope');
      const code = randomUUID();
      codes.set(code, { challenge, redirectUri, clientId: identity.clientId });
      const back = new URL(redirectUri);
      back.searchParams.set('code', code);
      const state = q.get('state');
      if (state !== null) back.searchParams.set('state', state);
      return { status: 302, body: null, headers: { location: back.toString() } };
    }
    if (request.method === 'POST' && request.path === '/oauth2/token') {
      const origin = typeof request.headers.origin === 'string' ? request.headers.origin : undefined;
      const form = new URLSearchParams(request.body);
      tokenRequests.push(form);
      const code = form.get('code') ?? '';
      const issued = codes.get(code);
      codes.delete(code);
      const verifier = form.get('code_verifier') ?? '';
      const hashed = createHash('sha256').update(verifier).digest('base64url');
      if (
        form.get('grant_type') !== 'authorization_code' ||
        form.get('client_id') !== issued?.clientId ||
        form.get('redirect_uri') !== issued.redirectUri ||
        hashed !== issued.challenge
      ) {
        return oauthError('invalid_grant', origin);
      }
      return {
        status: 200,
        body: { id_token: mintToken(identity, user), access_token: randomUUID(), token_type: 'Bearer', expires_in: 3600 },
        headers: cors(origin),
      };
    }
    return { status: 404, body: { error: 'not_found' } };
  });
  return { url: server.url, tokenRequests, close: server.close };
}
