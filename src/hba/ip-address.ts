// Numeric IP addresses the way PostgreSQL reads them from pg_hba.conf: getaddrinfo with
// AI_NUMERICHOST (glibc: inet_aton for IPv4, so `127.1` and `0x7f.1` are addresses; inet_pton
// for IPv6), CIDR masks with strtol, and the printed form getnameinfo gives in pg_hba_file_rules.

export interface IpAddress {
  family: 4 | 6;
  /** 4 or 16 bytes, network order. */
  bytes: number[];
}

function parseIpv4Part(part: string): number | undefined {
  if (/^0[xX][0-9a-fA-F]+$/.test(part)) return Number.parseInt(part.slice(2), 16);
  if (/^0[0-7]*$/.test(part)) return Number.parseInt(part, 8);
  if (/^[1-9][0-9]*$/.test(part)) return Number(part);
  return undefined;
}

/** inet_aton: one to four parts, decimal, octal (leading 0) or hex (0x); the last part fills the rest. */
export function parseIpv4(text: string): IpAddress | undefined {
  const parts = text.split('.');
  if (parts.length > 4 || parts.some((p) => p === '')) return undefined;
  const values = parts.map(parseIpv4Part);
  if (values.some((v) => v === undefined)) return undefined;
  const nums = values as number[];
  const last = nums[nums.length - 1]!;
  const head = nums.slice(0, -1);
  if (head.some((v) => v > 255)) return undefined;
  const restBytes = 4 - head.length;
  if (last >= 2 ** (8 * restBytes)) return undefined;
  const bytes = [...head];
  for (let i = restBytes - 1; i >= 0; i--) bytes.push(Math.floor(last / 2 ** (8 * i)) % 256);
  return { family: 4, bytes };
}

/** inet_pton for IPv4 (strict dotted quad, no leading zeros), used inside IPv6 addresses. */
function parseDottedQuad(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes: number[] = [];
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    bytes.push(value);
  }
  return bytes;
}

/** inet_pton for IPv6. */
export function parseIpv6(text: string): IpAddress | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const groups = part.split(':');
    const out: number[] = [];
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i]!;
      if (i === groups.length - 1 && g.includes('.')) {
        const quad = parseDottedQuad(g);
        if (!quad) return undefined;
        out.push((quad[0]! << 8) | quad[1]!, (quad[2]! << 8) | quad[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
        out.push(Number.parseInt(g, 16));
      }
    }
    return out;
  };
  const head = parseGroups(halves[0]!);
  const tail = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  // An embedded IPv4 address may only end the address.
  if (halves.length === 2 && halves[0]!.includes('.')) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined;
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    if (head.length !== 8) return undefined;
    groups = head;
  }
  return { family: 6, bytes: groups.flatMap((g) => [g >> 8, g & 0xff]) };
}

/**
 * getaddrinfo(AI_NUMERICHOST): an IPv4 or IPv6 address, or undefined when the text is not numeric.
 * An IPv6 zone (`fe80::1%eth0`, `%2`) is dropped, as the server's view does; glibc also needs a
 * named zone to be one of the machine's interfaces, which a pure reading cannot check.
 */
export function parseNumericHost(text: string): IpAddress | undefined {
  if (text.includes(':')) {
    const zone = text.indexOf('%');
    if (zone !== -1 && !/^%[0-9A-Za-z._-]+$/.test(text.slice(zone))) return undefined;
    return parseIpv6(zone === -1 ? text : text.slice(0, zone));
  }
  return parseIpv4(text);
}

/** pg_sockaddr_cidr_mask: the mask for `/bits`, or undefined when `bits` is not a valid length. */
export function makeCidrMask(bits: string, family: 4 | 6): IpAddress | undefined {
  // strtol: optional leading white space and sign, then digits, and nothing after them.
  const match = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/.exec(bits);
  if (!match) return undefined;
  const value = Number(match[2]) * (match[1] === '-' ? -1 : 1);
  const size = family === 4 ? 32 : 128;
  if (value < 0 || value > size) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < size / 8; i++) {
    const left = Math.max(0, Math.min(8, value - i * 8));
    bytes.push((0xff << (8 - left)) & 0xff);
  }
  return { family, bytes };
}

/** getnameinfo(NI_NUMERICHOST) as glibc prints it. */
export function formatIp(address: IpAddress): string {
  if (address.family === 4) return address.bytes.join('.');
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((address.bytes[i]! << 8) | address.bytes[i + 1]!);
  // The longest run of two or more zero words becomes `::` (the first one on a tie).
  let bestBase = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestBase = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestBase = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      out += address.bytes.slice(12).join('.');
      break;
    }
    out += words[i]!.toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) out += ':';
  return out;
}

/** pg_range_sockaddr: whether `client` lies in `network` under `mask` (same family only, as the server). */
export function isInRange(client: IpAddress, network: IpAddress, mask: IpAddress): boolean {
  if (client.family !== network.family || mask.family !== network.family) return false;
  return client.bytes.every((b, i) => (b & mask.bytes[i]!) === (network.bytes[i]! & mask.bytes[i]!));
}
