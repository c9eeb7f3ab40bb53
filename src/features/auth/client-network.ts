import { isIPv4, isIPv6 } from 'node:net';

/**
 * Who failures are counted against: an IPv4 address, or an IPv6 address's /64 network (as the
 * request-rate limit, @fastify/rate-limit, counts them). One IPv6 host is routinely given a whole
 * /64, so counting single addresses would let it use a new one for every guess.
 */
export function clientNetwork(ip: string): string {
  const address = ip.replace(/%.*$/, ''); // a zone id (fe80::1%eth0)
  if (!isIPv6(address)) return ip;
  const mapped = /^::ffff:([\d.]+)$/i.exec(address)?.[1];
  if (mapped && isIPv4(mapped)) return mapped;
  const [head = '', tail] = address.split('::');
  const groups = (s: string | undefined) => (s ? s.split(':') : []);
  // The written groups, with the zeros `::` stands for; a dotted IPv4 ending is two groups.
  const front = groups(head);
  const back = groups(tail);
  const dotted = [...front, ...back].some((g) => g.includes('.')) ? 1 : 0;
  const zeros = tail === undefined ? 0 : 8 - front.length - back.length - dotted;
  const all = [...front, ...Array<string>(zeros).fill('0'), ...back];
  return `${all
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
