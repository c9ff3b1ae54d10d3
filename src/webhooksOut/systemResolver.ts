import { lookup } from 'node:dns/promises';
import type { HostResolver } from './addressRule.js';

/** The operating system's resolver (what a connection by name would use): every address of the name. */
export const systemResolver: HostResolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);
