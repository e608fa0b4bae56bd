/**
 * Handshake header names and a case-insensitive, immutable view of a block's
 * headers (HS-7). We write canonical spellings (HS-8) because LimeWire looks
 * names up case-sensitively.
 */

/** Canonical spellings of the headers in handshake.md §5 (and their synonyms). */
export const HeaderName = {
  UserAgent: 'User-Agent',
  XUltrapeer: 'X-Ultrapeer',
  XUltrapeerNeeded: 'X-Ultrapeer-Needed',
  XTry: 'X-Try',
  XTryUltrapeers: 'X-Try-Ultrapeers',
  ListenIp: 'Listen-IP',
  XMyAddress: 'X-My-Address',
  Node: 'Node',
  RemoteIp: 'Remote-IP',
  AcceptEncoding: 'Accept-Encoding',
  ContentEncoding: 'Content-Encoding',
  XQueryRouting: 'X-Query-Routing',
  XUltrapeerQueryRouting: 'X-Ultrapeer-Query-Routing',
  XDynamicQuerying: 'X-Dynamic-Querying',
  XExtProbes: 'X-Ext-Probes',
  XMaxTtl: 'X-Max-TTL',
  XDegree: 'X-Degree',
  XLeafMax: 'X-Leaf-Max',
  PongCaching: 'Pong-Caching',
  Ggep: 'GGEP',
  VendorMessage: 'Vendor-Message',
  ByePacket: 'Bye-Packet',
  XRequeries: 'X-Requeries',
  XLocalePref: 'X-Locale-Pref',
  XGuess: 'X-Guess',
  XVersion: 'X-Version',
  Guid: 'GUID',
  XLiveSince: 'X-Live-Since',
  XToken: 'X-Token',
  XFeatures: 'X-Features',
  Uptime: 'Uptime',
  Machine: 'Machine',
  HopsFlow: 'Hops-Flow',
  XHostname: 'X-Hostname',
  Crawler: 'Crawler',
  Leaves: 'Leaves',
  Peers: 'Peers',
  Accept: 'Accept',
  ContentType: 'Content-Type',
  Upgrade: 'Upgrade',
  Connection: 'Connection',
} as const;

export type CanonicalHeaderName = (typeof HeaderName)[keyof typeof HeaderName];

const CANONICAL = new Map<string, string>(
  Object.values(HeaderName).map((name) => [name.toLowerCase(), name]),
);

/** The canonical spelling of a known header name, else the name as given. */
export function canonicalHeaderName(name: string): string {
  return CANONICAL.get(name.toLowerCase()) ?? name;
}

export function formatBool(b: boolean): 'True' | 'False' {
  return b ? 'True' : 'False';
}

export type HeaderField = readonly [name: string, value: string];

/**
 * The headers of one block: looked up case-insensitively, never modified.
 * Kept as one flat list and searched linearly: a block has a few dozen lines
 * at most and is read a handful of times, while an ultrapeer keeps two merged
 * blocks for each of its hundreds of connections.
 */
export class Headers {
  /** name, value, name, value, …: names as written, in arrival order. */
  readonly #flat: readonly string[];

  private constructor(flat: readonly string[]) {
    this.#flat = flat;
  }

  static of(fields: Iterable<HeaderField>): Headers {
    const flat: string[] = [];
    for (const [name, value] of fields) flat.push(name, value);
    return new Headers(flat);
  }

  /** The value; a repeated name gives its values joined with ", " in order (RFC 2616 style). */
  get(name: string): string | undefined {
    const values = this.#valuesOf(name);
    return values.length === 0 ? undefined : values.join(', ');
  }

  has(name: string): boolean {
    const key = name.toLowerCase();
    for (let i = 0; i < this.#flat.length; i += 2) if (sameName(this.#flat[i]!, key)) return true;
    return false;
  }

  /** `True`/`False` in any case (HS-13); anything else, or absent, is undefined. */
  getBoolean(name: string): boolean | undefined {
    const value = this.get(name)?.toLowerCase();
    if (value === 'true') return true;
    if (value === 'false') return false;
    return undefined;
  }

  /** Comma-separated items, trimmed, empty items dropped. */
  getList(name: string): string[] {
    const value = this.get(name);
    if (value === undefined) return [];
    return value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }

  /** The fields as received: names as written, continuation lines folded, repeats kept, in order. */
  fields(): HeaderField[] {
    const fields: HeaderField[] = [];
    for (let i = 0; i < this.#flat.length; i += 2)
      fields.push([this.#flat[i]!, this.#flat[i + 1]!]);
    return fields;
  }

  /** Canonical names → joined values, for logs and JSON. */
  toObject(): Record<string, string> {
    const byKey = new Map<string, [name: string, values: string[]]>();
    for (let i = 0; i < this.#flat.length; i += 2) {
      const name = this.#flat[i]!;
      const key = name.toLowerCase();
      const entry = byKey.get(key);
      if (entry) entry[1].push(this.#flat[i + 1]!);
      else byKey.set(key, [canonicalHeaderName(name), [this.#flat[i + 1]!]]);
    }
    // fromEntries defines own properties, so a header named `__proto__` stays a plain key.
    return Object.fromEntries(
      [...byKey.values()].map(([name, values]) => [name, values.join(', ')]),
    );
  }

  /**
   * These headers with every name that `later` carries replaced by later's fields:
   * block (3) overrides block (1) (e.g. `X-Ultrapeer: False` when demoting, §5).
   */
  merged(later: Headers): Headers {
    const flat: string[] = [];
    for (let i = 0; i < this.#flat.length; i += 2) {
      if (!later.has(this.#flat[i]!)) flat.push(this.#flat[i]!, this.#flat[i + 1]!);
    }
    flat.push(...later.#flat);
    return new Headers(flat);
  }

  #valuesOf(name: string): string[] {
    const key = name.toLowerCase();
    const values: string[] = [];
    for (let i = 0; i < this.#flat.length; i += 2) {
      if (sameName(this.#flat[i]!, key)) values.push(this.#flat[i + 1]!);
    }
    return values;
  }
}

/** `name` equals the lower-cased `key` ignoring case; the length check spares most lower-casing. */
const sameName = (name: string, key: string): boolean =>
  name.length === key.length && name.toLowerCase() === key;
