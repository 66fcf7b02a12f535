import { BlockList, isIP } from 'node:net';
import { maskSecrets } from '@election/core';

/**
 * Decides whether `/cluster` (and `election-node list`) may fetch a member's published status URL.
 * Called with every http(s) URL whose path ends in `/status`; true fetches it, false refuses it.
 * Replaces the default, which refuses link-local and cloud metadata addresses.
 */
export type ClusterAllow = (url: URL) => boolean;

/**
 * Link-local IPv4 (169.254.0.0/16: the metadata service of AWS, GCP, Azure, OpenStack…) and AWS's
 * IPv6 metadata address fd00:ec2::254. IPv4-mapped IPv6 forms are checked against the IPv4 rule.
 */
const METADATA = new BlockList();
METADATA.addSubnet('169.254.0.0', 16, 'ipv4');
METADATA.addSubnet('fe80::', 10, 'ipv6');
METADATA.addAddress('fd00:ec2::254', 'ipv6');

/** The address is link-local or a cloud metadata address (refused by default). */
export function isMetadataAddress(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && METADATA.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

const REFUSED = 'its status URL is a link-local or metadata address (allow it with clusterAllow)';

/** Why `url` is not fetched, in the row's words; null when it may be. */
export function refusal(url: URL, allow: ClusterAllow | undefined): string | null {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'its status URL is not http(s)';
  if (!url.pathname.endsWith('/status')) return 'its status URL does not end in /status';
  if (allow) return allow(url) ? null : 'its status URL is refused by clusterAllow';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return isMetadataAddress(host) ? REFUSED : null;
}

/** The connection was refused because its host name resolved to a metadata address. */
export const REFUSED_ADDRESS = REFUSED;

/**
 * A status URL as `/cluster` and `election-node list` show it: without `user:pass@`, and with
 * anything else that looks like a secret (a `?token=`) masked. Null stays null.
 */
export function shownStatusUrl(url: string | null): string | null {
  if (url === null) return null;
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return maskSecrets(parsed.href);
  } catch {
    return maskSecrets(url.replace(/\/\/[^/@]*@/, '//'));
  }
}
