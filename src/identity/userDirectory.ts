import type { Principal } from './principal.js';

/**
 * Remembers who a user is; refuses a known user whose token now names another tenant. The port
 * belongs to identity, beside the TokenVerifier it follows: src/app implements it (its SQL) and
 * src/http calls it, so neither layer has to import the other for it.
 */
export type UserDirectory = { recordSighting(principal: Principal): Promise<void> };
