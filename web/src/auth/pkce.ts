/** RFC 7636: a random verifier and its S256 challenge (base64url of its SHA-256). */
export async function createPkcePair(): Promise<{ verifier: string; challenge: string }> {
  const verifier = base64Url(crypto.getRandomValues(new Uint8Array(32)));
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return { verifier, challenge: base64Url(new Uint8Array(digest)) };
}

export function base64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The hosted UI's authorize URL for the authorization code flow with PKCE. */
export function authorizeUrl(options: { domain: string; clientId: string; redirectUri: string; challenge: string; state: string }): string {
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: options.clientId,
    redirect_uri: options.redirectUri,
    scope: 'openid email profile',
    code_challenge: options.challenge,
    code_challenge_method: 'S256',
    state: options.state,
  });
  return `${options.domain}/oauth2/authorize?${params.toString()}`;
}

/** Trades the code for tokens at the hosted UI's token endpoint; the ID token is what /v1 accepts. */
export async function exchangeCode(options: {
  domain: string;
  clientId: string;
  redirectUri: string;
  code: string;
  verifier: string;
}): Promise<string> {
  const response = await fetch(`${options.domain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: options.clientId,
      redirect_uri: options.redirectUri,
      code: options.code,
      code_verifier: options.verifier,
    }).toString(),
  });
  if (!response.ok) throw new Error(`the token endpoint answered ${response.status}`);
  const tokens = (await response.json()) as { id_token?: string };
  if (typeof tokens.id_token !== 'string') throw new Error('the token endpoint sent no id_token');
  return tokens.id_token;
}
