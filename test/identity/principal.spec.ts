import { describe, expect, it } from 'vitest';
import { hasRole, isCustomerOnly, rolesOf, type Principal, type Role } from '../../src/identity/principal.js';

function principal(groups: readonly string[]): Principal {
  return { sub: 'user-1', email: null, tenantId: 'tenant-a', groups };
}

describe('roles from cognito:groups', () => {
  it.each([
    [[], ['customer']],
    [['staff'], ['staff']],
    [['admin'], ['admin', 'staff']],
    [['auditor'], ['auditor']],
    [
      ['admin', 'auditor'],
      ['admin', 'staff', 'auditor'],
    ],
    [['some-other-group'], ['customer']],
  ] satisfies [string[], Role[]][])('%j → %j', (groups, roles) => {
    expect(rolesOf(principal(groups))).toEqual(roles);
  });

  it('admin implies staff, not the other way round', () => {
    expect(hasRole(principal(['admin']), 'staff')).toBe(true);
    expect(hasRole(principal(['staff']), 'admin')).toBe(false);
  });

  it('a customer is someone with no admin, staff or auditor group', () => {
    expect(isCustomerOnly(principal([]))).toBe(true);
    expect(isCustomerOnly(principal(['newsletter']))).toBe(true);
    expect(isCustomerOnly(principal(['auditor']))).toBe(false);
    expect(hasRole(principal(['staff']), 'customer')).toBe(false);
  });

  it('auditor grants no staff rights', () => {
    expect(hasRole(principal(['auditor']), 'staff')).toBe(false);
  });
});
