import ipaddr from 'ipaddr.js';

/**
 * Whether the ledger may send to an address in production: only global unicast. Private,
 * loopback, link-local (169.254.169.254, the cloud metadata service), carrier-grade NAT, multicast,
 * documentation and the IPv6 forms that embed an IPv4 address (6to4, Teredo, NAT64) are refused;
 * an IPv4-mapped IPv6 address is judged as the IPv4 address it maps.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().range() === 'unicast';
  }
  return parsed.range() === 'unicast';
}

export type TargetRule = {
  /** Production: `https` only, and every address the host resolves to must be public. */
  readonly production: boolean;
};

export type TargetVerdict = { readonly allowed: true; readonly address: string } | { readonly allowed: false; readonly reason: string };

/**
 * The rule over a URL and the addresses its host resolved to, checked when an endpoint is created
 * and again before every send (a name may resolve elsewhere later). Every address must pass, not
 * one: the connection is then made to the checked address itself (see sendWebhook), never to a
 * second resolution of the name.
 */
export function judgeTarget(url: URL, resolved: readonly string[], rule: TargetRule): TargetVerdict {
  if (url.protocol !== 'https:' && (rule.production || url.protocol !== 'http:')) {
    return { allowed: false, reason: rule.production ? 'only https URLs are allowed' : 'only http and https URLs are allowed' };
  }
  const [first] = resolved;
  if (first === undefined) return { allowed: false, reason: `${url.hostname} resolves to no address` };
  if (rule.production) {
    const refused = resolved.find((address) => !isPublicAddress(address));
    if (refused !== undefined) return { allowed: false, reason: `${url.hostname} resolves to ${refused}, which is not a public address` };
  }
  return { allowed: true, address: first };
}

/** Looks a host name up: every address it has now. Injected, so the rule is tested without a DNS server. */
export type HostResolver = (hostname: string) => Promise<readonly string[]>;

/** The host's addresses: an IP literal is its own, a name goes to the resolver. */
export async function addressesOf(url: URL, resolve: HostResolver): Promise<readonly string[]> {
  // URL keeps the brackets of an IPv6 literal in `hostname`.
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return ipaddr.isValid(host) ? [host] : resolve(host);
}
