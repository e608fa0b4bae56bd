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

/** The headers of one block: looked up case-insensitively, never modified. */
export class Headers {
  readonly #fields: ReadonlyArray<HeaderField>;
  /** Lower-cased name → values in arrival order. */
  readonly #values = new Map<string, string[]>();
  /** Lower-cased name → the spelling to report for it. */
  readonly #spelling = new Map<string, string>();

  private constructor(fields: ReadonlyArray<HeaderField>) {
    this.#fields = fields;
    for (const [name, value] of fields) {
      const key = name.toLowerCase();
      const values = this.#values.get(key);
      if (values) values.push(value);
      else {
        this.#values.set(key, [value]);
        this.#spelling.set(key, canonicalHeaderName(name));
      }
    }
  }

  static of(fields: Iterable<HeaderField>): Headers {
    return new Headers(Array.from(fields, ([name, value]) => [name, value] as const));
  }

  /** The value; a repeated name gives its values joined with ", " in order (RFC 2616 style). */
  get(name: string): string | undefined {
    return this.#values.get(name.toLowerCase())?.join(', ');
  }

  has(name: string): boolean {
    return this.#values.has(name.toLowerCase());
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
  fields(): ReadonlyArray<HeaderField> {
    return this.#fields;
  }

  /** Canonical names → joined values, for logs and JSON. */
  toObject(): Record<string, string> {
    // fromEntries defines own properties, so a header named `__proto__` stays a plain key.
    return Object.fromEntries(
      [...this.#values].map(([key, values]) => [this.#spelling.get(key)!, values.join(', ')]),
    );
  }

  /**
   * These headers with every name that `later` carries replaced by later's fields:
   * block (3) overrides block (1) (e.g. `X-Ultrapeer: False` when demoting, §5).
   */
  merged(later: Headers): Headers {
    const kept = this.#fields.filter(([name]) => !later.has(name));
    return new Headers([...kept, ...later.fields()]);
  }
}
