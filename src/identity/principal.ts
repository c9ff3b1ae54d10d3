export type Role = 'customer' | 'staff' | 'admin' | 'auditor';

/** Who is calling, taken from a verified ID token. */
export type Principal = {
  readonly sub: string;
  readonly email: string | null;
  readonly tenantId: string;
  /** `cognito:groups` as issued, including groups this service gives no meaning to. */
  readonly groups: readonly string[];
};

const privilegedGroups: readonly Role[] = ['admin', 'staff', 'auditor'];

/**
 * Whether `principal` may act as `role`. admin = staff + manage slots, so an admin is also staff.
 * `customer` is the absence of any privileged group (contract: "none = customer"), so it is true
 * only for customer-only principals.
 */
export function hasRole(principal: Principal, role: Role): boolean {
  switch (role) {
    case 'customer':
      return isCustomerOnly(principal);
    case 'staff':
      return principal.groups.includes('staff') || principal.groups.includes('admin');
    case 'admin':
    case 'auditor':
      return principal.groups.includes(role);
  }
}

/** No admin, staff or auditor group: may only touch their own reservations. */
export function isCustomerOnly(principal: Principal): boolean {
  return !privilegedGroups.some((group) => principal.groups.includes(group));
}

/** Every role `principal` holds, implied ones included (for logs and audit metadata). */
export function rolesOf(principal: Principal): readonly Role[] {
  const roles: readonly Role[] = ['admin', 'staff', 'auditor', 'customer'];
  return roles.filter((role) => hasRole(principal, role));
}
