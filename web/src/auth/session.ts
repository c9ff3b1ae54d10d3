/** What the app needs of the signed-in user's ID token; the server verifies it on every call. */
export type Session = {
  readonly token: string;
  readonly tenantId: string;
  readonly email: string | null;
  readonly groups: readonly string[];
  readonly expiresAt: number;
};

const STORAGE_KEY = 'backoffice.idToken';

export function sessionOf(token: string): Session | null {
  try {
    const payload = token.split('.')[1];
    if (payload === undefined) return null;
    const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
    const tenantId = claims['custom:tenant_id'];
    const exp = claims['exp'];
    if (typeof tenantId !== 'string' || typeof exp !== 'number') return null;
    const groups = Array.isArray(claims['cognito:groups'])
      ? claims['cognito:groups'].filter((g): g is string => typeof g === 'string')
      : [];
    return { token, tenantId, email: typeof claims['email'] === 'string' ? claims['email'] : null, groups, expiresAt: exp * 1000 };
  } catch {
    return null;
  }
}

/** The tab's session survives a reload but not the tab (sessionStorage), and is dropped once expired. */
export function storedSession(): Session | null {
  const token = sessionStorage.getItem(STORAGE_KEY);
  const session = token === null ? null : sessionOf(token);
  if (session === null || session.expiresAt <= Date.now()) {
    sessionStorage.removeItem(STORAGE_KEY);
    return null;
  }
  return session;
}

export function storeSession(token: string): Session | null {
  const session = sessionOf(token);
  if (session !== null) sessionStorage.setItem(STORAGE_KEY, token);
  return session;
}

export function clearSession(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}

export const isAdmin = (session: Session) => session.groups.includes('admin');
export const isStaff = (session: Session) => session.groups.includes('staff') || isAdmin(session);
export const isAuditor = (session: Session) => session.groups.includes('auditor');
