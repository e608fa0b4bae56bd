/** The adapter for our own servent: CLI flags to start it, its control API to read and steer it. */
import type { Endpoint } from '../peers/fixture-peer.js';
import { base32 } from '../shares/share-set.js';
import type {
  NodeRole,
  ReportedDownload,
  ReportedLink,
  ReportedResult,
  ReportedShare,
  ReportedStats,
  ReportedStatus,
  SutAdapter,
} from './adapter.js';

const GNUTELLA_PORT = 6346;
const CONTROL_PORT = 6347;
const CONTROL_TIMEOUT_MS = 5_000;
/** The image runs the servent as uid:gid 1000:1000 and gives it a writable /data (docker/README.md). */
const OWNER = { uid: 1000, gid: 1000 };
const SHARE_DIR = '/data/share';
const STATE_DIR = '/data/state';

export function ourServentAdapter(image: string): SutAdapter {
  return {
    name: 'gnutella-servent',
    image,
    gnutellaPort: GNUTELLA_PORT,
    controlPort: CONTROL_PORT,
    shareDir: SHARE_DIR,
    dataDirs: [STATE_DIR],
    hostCacheFile: `${STATE_DIR}/hosts.json`,
    owner: OWNER,
    command(role: NodeRole): string[] {
      const args = [
        'start',
        '--listen',
        `0.0.0.0:${GNUTELLA_PORT}`,
        '--control',
        `0.0.0.0:${CONTROL_PORT}`,
      ];
      args.push(role.mode === 'leaf' ? '--leaf' : '--ultrapeer');
      for (const p of role.peers ?? []) args.push('--peer', `${p.host}:${p.port}`);
      for (const c of role.udpHostCaches ?? []) args.push('--uhc', `${c.host}:${c.port}`);
      for (const url of role.webCaches ?? []) args.push('--gwc', url);
      if (role.maxLeaves !== undefined) args.push('--max-leaves', String(role.maxLeaves));
      if (role.maxUltrapeers !== undefined)
        args.push('--max-ultrapeers', String(role.maxUltrapeers));
      if (role.leafUltrapeers !== undefined)
        args.push('--leaf-ultrapeers', String(role.leafUltrapeers));
      if (role.deflate === false) args.push('--no-deflate');
      if (role.handshakeTimeoutMs !== undefined)
        args.push('--handshake-timeout', String(role.handshakeTimeoutMs));
      if (role.shares) args.push('--share', SHARE_DIR);
      // State (hash cache, partial downloads) always: any node may download.
      args.push('--data', STATE_DIR);
      if (role.uploadSlots !== undefined) args.push('--upload-slots', String(role.uploadSlots));
      if (role.uploadPollMinS !== undefined)
        args.push('--upload-poll-min', String(role.uploadPollMinS));
      if (role.uploadPollMaxS !== undefined)
        args.push('--upload-poll-max', String(role.uploadPollMaxS));
      return args;
    },
    async status(control: Endpoint): Promise<ReportedStatus> {
      return (await call(control, 'GET', '/status')) as ReportedStatus;
    },
    async disconnect(control: Endpoint, id: number): Promise<void> {
      await call(control, 'POST', '/disconnect', { id });
    },
    async connect(control: Endpoint, peer: Endpoint): Promise<void> {
      await call(control, 'POST', '/connect', { host: peer.host, port: peer.port });
    },
    async stats(control: Endpoint): Promise<ReportedStats> {
      const stats = readStats(await call(control, 'GET', '/stats'));
      // Links named only by id get their peer's address from /status.
      if (stats.links.some((l) => l.remote.host === '')) {
        const status = (await call(control, 'GET', '/status')) as ReportedStatus;
        for (const link of stats.links) {
          const conn = status.connections.find((c) => c.id === link.id);
          if (conn && link.remote.host === '') link.remote = conn.remote;
        }
      }
      return stats;
    },
    async search(control: Endpoint, text: string, ttl?: number): Promise<string> {
      const body = ttl === undefined ? { text } : { text, ttl };
      const answer = (await call(control, 'POST', '/search', body)) as { guid?: unknown };
      if (typeof answer.guid !== 'string' || !/^[0-9a-f]{32}$/i.test(answer.guid))
        throw new Error(`POST /search gave no 32-hex-digit guid: ${JSON.stringify(answer)}`);
      return answer.guid.toLowerCase();
    },
    async stopSearch(control: Endpoint, guid: string): Promise<void> {
      await call(control, 'DELETE', `/search/${guid}`);
    },
    async searchResults(control: Endpoint, guid: string): Promise<ReportedResult[]> {
      const answer = (await call(control, 'GET', `/search/${guid}`)) as { results?: unknown };
      return asArray(answer.results, 'results').map(readResult);
    },
    async download(control: Endpoint, magnet: string): Promise<string[]> {
      const answer = (await call(control, 'POST', '/downloads', { magnet })) as {
        downloads?: unknown;
      };
      return asArray(answer.downloads, 'downloads').map((d) => String((d as Json).urn));
    },
    async downloadStatus(control: Endpoint, urn: string): Promise<ReportedDownload> {
      return (await call(control, 'GET', `/downloads/${urn}`)) as ReportedDownload;
    },
    downloadCommand(magnet: string): string[] {
      return [
        'node',
        '/app/servent.mjs',
        'download',
        magnet,
        '--control',
        `127.0.0.1:${CONTROL_PORT}`,
        '--timeout',
        '60',
      ];
    },
    async shares(control: Endpoint): Promise<ReportedShare[]> {
      const answer = (await call(control, 'GET', '/shares')) as { files?: unknown };
      return asArray(answer.files, 'files').map(readShare);
    },
  };
}

async function call(
  control: Endpoint,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const res = await fetch(`http://${control.host}:${control.port}${path}`, {
    method,
    signal: AbortSignal.timeout(CONTROL_TIMEOUT_MS),
    ...(body !== undefined && {
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`control API ${method} ${path} answered ${res.status}: ${text}`);
  return JSON.parse(text);
}

// ------------------------------------------------------------------ reading the control API's JSON

type Json = Record<string, unknown>;

const MESSAGE_TYPE_NAMES: Record<string, number> = {
  ping: 0x00,
  pong: 0x01,
  bye: 0x02,
  qrp: 0x30,
  routetableupdate: 0x30,
  routetable: 0x30,
  vendor: 0x31,
  vendorstd: 0x32,
  vendorstandard: 0x32,
  standardvendor: 0x32,
  push: 0x40,
  query: 0x80,
  queryhit: 0x81,
  hit: 0x81,
};

/** A counter key: `query`, `Query`, `query-hit`, `0x80`, `128` all name a payload type. */
export function messageTypeCode(key: string): number | undefined {
  const k = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (/^0x[0-9a-f]{1,2}$/.test(key.toLowerCase())) return Number.parseInt(key.slice(2), 16);
  if (/^\d{1,3}$/.test(k)) return Number(k);
  return MESSAGE_TYPE_NAMES[k];
}

function countsByType(value: unknown): Record<number, number> {
  const out: Record<number, number> = {};
  for (const [key, n] of Object.entries((value ?? {}) as Json)) {
    const code = messageTypeCode(key);
    if (code !== undefined && typeof n === 'number') out[code] = (out[code] ?? 0) + n;
  }
  return out;
}

const sum = (value: unknown): number =>
  typeof value === 'number'
    ? value
    : Object.values((value ?? {}) as Json).reduce<number>((n, v) => n + sum(v), 0);

/** `/stats` as the contract gives it (`messages: {in, out}`) or flat (`messagesIn`, `messagesOut`). */
export function readStats(raw: unknown): ReportedStats {
  const json = (raw ?? {}) as Json;
  const messages = (json.messages ?? {}) as Json;
  return {
    drops: Object.fromEntries(
      Object.entries((json.drops ?? {}) as Json).map(([reason, n]) => [reason, sum(n)]),
    ),
    messagesIn: countsByType(messages.in ?? json.messagesIn),
    messagesOut: countsByType(messages.out ?? json.messagesOut),
    links: asArray(json.links ?? [], 'links').map(readLink),
  };
}

/** `qrp.received` may be a flag (with `present` beside it) or the received table's summary, or null. */
function readLink(raw: unknown): ReportedLink {
  const json = raw as Json;
  const qrp = json.qrp as Json | undefined | null;
  const received = qrp?.received;
  const summary =
    typeof received === 'object' && received !== null ? (received as Json) : undefined;
  return {
    id: Number(json.id),
    remote: json.remote === undefined ? { host: '', port: 0 } : readEndpoint(json.remote),
    qrp:
      qrp === undefined || qrp === null
        ? undefined
        : {
            received: received === true || summary !== undefined,
            present: Number(qrp.present ?? summary?.present ?? 0),
          },
    drops: sum(json.drops),
  };
}

/** `"10.0.0.2:6346"`, `{host, port}` or `{address, port}`. */
export function readEndpoint(raw: unknown): Endpoint {
  if (typeof raw === 'string') {
    const at = raw.lastIndexOf(':');
    return { host: raw.slice(0, at), port: Number(raw.slice(at + 1)) };
  }
  const json = (raw ?? {}) as Json;
  return { host: String(json.host ?? json.address ?? json.ip ?? ''), port: Number(json.port) };
}

function readResult(raw: unknown): ReportedResult {
  const json = raw as Json;
  return {
    name: String(json.name),
    size: Number(json.size),
    sha1: readSha1(json.sha1 ?? json.urn),
    host: String(json.host ?? json.address ?? ''),
    port: Number(json.port),
    serventId: String(json.serventId ?? json.servent ?? '').toLowerCase(),
    firewalled: json.firewalled === true,
    pushProxies: Array.isArray(json.pushProxies) ? json.pushProxies.map(String) : [],
  };
}

function readShare(raw: unknown): ReportedShare {
  const json = raw as Json;
  return {
    index: Number(json.index),
    name: String(json.name),
    size: Number(json.size),
    sha1: readSha1(json.sha1 ?? json.urn),
  };
}

/** A SHA-1 as `urn:sha1:BASE32`, bare base32 (any case) or 40 hex digits; upper-case base32 out. */
export function readSha1(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw === '') return undefined;
  const bare = raw.replace(/^urn:sha1:/i, '');
  if (/^[0-9a-f]{40}$/i.test(bare)) return base32(Buffer.from(bare, 'hex'));
  return bare.toUpperCase();
}

function asArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value))
    throw new Error(`control API: expected an array in "${what}", got ${JSON.stringify(value)}`);
  return value;
}
