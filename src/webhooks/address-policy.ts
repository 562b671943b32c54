import ipaddr from 'ipaddr.js';

/*
 * Which addresses a webhook may be delivered to (SPEC §16, issue 13's SSRF protection): the public
 * internet only. Loopback, private (RFC 1918, IPv6 unique local), link-local (with the cloud
 * metadata address 169.254.169.254), carrier-grade NAT, multicast, unspecified, documentation and
 * other reserved blocks, and the IPv6 forms that embed an IPv4 address (mapped, NAT64, 6to4,
 * Teredo) are refused — an embedded address is judged as itself. Local development and tests opt
 * out with `DAIKOU_WEBHOOK_ALLOW_PRIVATE=1`.
 */

/** The block an address belongs to, as ipaddr.js names it; `unicast` is the public internet. */
export function addressRange(address: string): string {
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) return addressRange(v6.toIPv4Address().toString());
  }
  return parsed.range();
}

/** Null when a webhook may go to the address; else why not, for the delivery log. */
export function refusedAddress(address: string, allowPrivate: boolean): string | null {
  if (!ipaddr.isValid(address)) return `"${address}" is not an IP address`;
  const range = addressRange(address);
  if (range === 'unicast' || allowPrivate) return null;
  return `${address} is a ${RANGE_NAMES[range] ?? range} address; webhooks go to public addresses only (DAIKOU_WEBHOOK_ALLOW_PRIVATE=1 allows others for local development)`;
}

const RANGE_NAMES: Record<string, string> = {
  loopback: 'loopback',
  private: 'private',
  uniqueLocal: 'private (unique local)',
  linkLocal: 'link-local',
  carrierGradeNat: 'carrier-grade NAT',
  unspecified: 'unspecified',
  multicast: 'multicast',
  broadcast: 'broadcast',
  reserved: 'reserved',
  rfc6052: 'NAT64',
  rfc6145: 'IPv4-translated',
  '6to4': '6to4',
  teredo: 'Teredo',
};

/**
 * Checks an endpoint URL as written (SPEC §16): http or https, no credentials, a host; an IP
 * literal is checked here, a name when it is resolved, at every delivery.
 */
export function refusedWebhookUrl(text: string, allowPrivate: boolean): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http or https URL';
  if (url.username !== '' || url.password !== '') return 'must not carry a user name or password';
  const host = hostOf(url);
  if (host === '') return 'has no host';
  if (ipaddr.isValid(host)) return refusedAddress(host, allowPrivate);
  if (!allowPrivate && (host === 'localhost' || host.endsWith('.localhost'))) return `${host} is loopback; webhooks go to public addresses only`;
  return null;
}

/** The URL's host without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}
