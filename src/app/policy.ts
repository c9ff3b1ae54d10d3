import { hasRole, type Principal } from '../identity/principal.js';

/** Who may do what inside their own tenant (contract: Identity). Tenancy itself is enforced by every query. */
export const mayManageSlots = (p: Principal) => hasRole(p, 'admin');
export const mayReadWholeTenant = (p: Principal) => hasRole(p, 'staff');
/** Settling an anomaly can move money (a refund): more than staff's read-only back office. */
export const mayResolveAnomalies = (p: Principal) => hasRole(p, 'admin');
/** Webhook endpoints receive every booking and payment of the tenant, and their secrets sign as the ledger: admins only. */
export const mayManageWebhooks = (p: Principal) => hasRole(p, 'admin');
/** Erasing a customer's personal data cannot be undone: the tenant's admins only (API.md, Personal data). */
export const mayEraseCustomers = (p: Principal) => hasRole(p, 'admin');
/** Asking a provider for a payment's state applies only what the provider already decided: staff may. */
/** A failed push to the activity panel is sent again at a person's word: the operator's admins. */
export const mayRetryPanelPushes = (p: Principal) => hasRole(p, 'admin');
export const mayReconcilePayments = (p: Principal) => hasRole(p, 'staff');
export const mayAudit = (p: Principal) => hasRole(p, 'auditor');
export const mayReadReservation = (p: Principal, ownerSub: string) => ownerSub === p.sub || mayReadWholeTenant(p);
/** Staff only read; the operator's admins may cancel on a customer's behalf. */
export const mayCancelReservation = (p: Principal, ownerSub: string) => ownerSub === p.sub || hasRole(p, 'admin');
/** Paying follows the same rule as cancelling: the customer who booked, or an admin of the tenant. */
export const mayPayReservation = mayCancelReservation;
/** Customers create reservations and payments; the back office reads them. */
export const mayBook = (p: Principal) => !hasRole(p, 'auditor') || hasRole(p, 'admin');
/**
 * HOLD_MAX_SEATS_PER_CUSTOMER limits customers: anyone with a token can be one. The operator's own
 * staff and admins booking at the desk (a group of walk-ins) are not limited (ADR 0037).
 */
export const holdAllowanceApplies = (p: Principal) => hasRole(p, 'customer');
