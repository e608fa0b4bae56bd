/**
 * Control API: HTTP JSON on its own port. The harness and the CLI drive the
 * servent through it; it is never the Gnutella port.
 *
 *   GET  /status                      mode, listen address, slots, shares, connections with headers
 *   GET  /stats                       routing: messages in/out by type, drops by reason, per-link queues and QRP
 *   GET  /qrp                         our QRP table: size, infinity, present slots, entries (base64)
 *   GET  /shares                      the shared files: index, name, size, urn:sha1
 *   PUT  /shares      {folder}        share another folder from now on
 *   GET  /process[?gc=1]              memory and CPU time of the servent process (gc=1: a full GC first,
 *                                     when node runs with --expose-gc, for benchmarks)
 *   POST /connect     {host, port}    dial a peer now
 *   POST /disconnect  {id, reason?}   close a connection (Bye 201 where understood)
 *   POST /search      {text, ttl?} | {whatsNew: true}   send a query, or a "What's New?" query; answers {guid}
 *   DELETE /search/GUID               want no more results: a leaf tells its ultrapeers to stop (BEAR/12)
 *   GET  /hosts                       the host cache, UDP host caches and GWebCaches, best first
 *   GET  /searches                    our searches with their result counts
 *   GET  /search/GUID                 a search and its results so far
 *   GET  /search/GUID/stream          its results as they arrive, one JSON object a line, until the client goes
 *   GET  /transfers                   uploads (active, queued, served, bytes) and every download's progress
 *   POST /downloads   {magnet} | {sha1, name, size?, sources?}   start downloads; answers their progress
 *   GET  /downloads/URN               one download's progress: bytes verified, sources, rate, state
 *   DELETE /downloads/URN             cancel it and remove its partial data
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { sha1Urn } from '../core/hash/index.js';
import type { HostAddress } from '../core/hosts/host-cache.js';
import { safeFileName } from '../core/transfer/magnet.js';
import { base32Decode } from '../core/wire/base32.js';
import { ShareFolderError } from './library/index.js';
import type { Logger } from './log.js';
import { SearchError, type Servent } from './servent.js';
import { MagnetError } from './transfer/downloads.js';
import type { Transfers } from './transfer/transfers.js';

/** Control requests are small; anything larger is refused unread. */
const MAX_BODY_BYTES = 16 * 1024;

const ConnectBody = z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535) });
const DisconnectBody = z.object({
  id: z.number().int().min(1),
  reason: z.string().max(200).optional(),
});
const SearchBody = z.union([
  z.object({ text: z.string().min(1).max(256), ttl: z.number().int().min(1).max(7).optional() }),
  z.object({ whatsNew: z.literal(true) }),
]);
const SharesBody = z.object({ folder: z.string().min(1) });
const DownloadBody = z.union([
  z.object({ magnet: z.string().min(8).max(8192) }),
  z.object({
    sha1: z.string().regex(/^(urn:sha1:)?[A-Za-z2-7]{32}$/, 'expected urn:sha1:<32 base32>'),
    name: z.string().min(1).max(255),
    size: z.number().int().min(0).optional(),
    sources: z
      .array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected HOST:PORT'))
      .max(100)
      .default([]),
  }),
]);
const DOWNLOAD_PATH = /^\/downloads\/(?:urn:sha1:)?([A-Za-z2-7]{32})$/;
const SEARCH_PATH = /^\/search\/([0-9a-fA-F]{32})(\/stream)?$/;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class ControlApi {
  readonly #server: http.Server;

  constructor(
    servent: Servent,
    private readonly log: Logger,
  ) {
    this.#server = http.createServer((req, res) => {
      const stream = req.method === 'GET' && SEARCH_PATH.exec(pathOf(req))?.[2] !== undefined;
      if (stream) {
        this.#streamResults(servent, req, res);
        return;
      }
      this.#handle(servent, req)
        .then((body) => send(res, 200, body))
        .catch((err: unknown) => {
          const status =
            err instanceof HttpError
              ? err.status
              : err instanceof z.ZodError || err instanceof SearchError
                ? 400
                : 500;
          if (status === 500) this.log.error({ err }, 'control API failure');
          send(res, status, { error: err instanceof Error ? err.message : String(err) });
        });
    });
  }

  async start(address: HostAddress): Promise<HostAddress> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(address.port, address.host, () => resolve());
    });
    const bound = this.#server.address() as AddressInfo;
    this.log.info({ control: { host: address.host, port: bound.port } }, 'control API listening');
    return { host: address.host, port: bound.port };
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(servent: Servent, req: http.IncomingMessage): Promise<unknown> {
    const path = pathOf(req);
    const search = SEARCH_PATH.exec(path);
    if (search && req.method === 'GET') {
      const record = servent.searches.get(search[1]!);
      if (!record) throw new HttpError(404, `no search ${search[1]}`);
      return record;
    }
    if (search && !search[2] && req.method === 'DELETE') {
      if (!servent.searches.get(search[1]!)) throw new HttpError(404, `no search ${search[1]}`);
      servent.stopSearch(new Uint8Array(Buffer.from(search[1]!, 'hex')));
      return { stopped: search[1] };
    }
    const download = DOWNLOAD_PATH.exec(path);
    if (download) return this.#download(servent, req.method, download[1]!);
    switch (`${req.method} ${path}`) {
      case 'GET /status':
        return servent.status();
      case 'GET /hosts':
        return servent.hosts();
      case 'GET /stats':
        return servent.stats();
      case 'GET /qrp':
        return servent.qrpTable();
      case 'GET /shares':
        return {
          files: servent.shares().map((f) => ({
            index: f.index,
            name: f.name,
            path: f.relativePath,
            size: f.size,
            sha1: sha1Urn(f.sha1),
          })),
        };
      case 'PUT /shares': {
        const body = SharesBody.parse(await readJson(req));
        try {
          return await servent.setShareFolder(body.folder);
        } catch (err) {
          if (err instanceof ShareFolderError) throw new HttpError(400, err.message);
          throw err;
        }
      }
      case 'GET /process':
        if (new URL(req.url ?? '/', 'http://control').searchParams.get('gc') === '1') {
          (globalThis as { gc?: () => void }).gc?.();
        }
        return {
          pid: process.pid,
          uptimeS: process.uptime(),
          memory: process.memoryUsage(),
          cpuUs: process.cpuUsage(),
        };
      case 'GET /searches':
        return {
          searches: servent.searches.list().map((r) => ({
            guid: r.guid,
            text: r.text,
            startedAt: r.startedAt,
            results: r.results.length,
          })),
        };
      case 'POST /search': {
        const body = SearchBody.parse(await readJson(req));
        const record =
          'whatsNew' in body ? servent.searchWhatsNew() : servent.search(body.text, body.ttl);
        return { guid: record.guid };
      }
      case 'POST /connect': {
        const body = ConnectBody.parse(await readJson(req));
        servent.connect(body);
        return { dialling: `${body.host}:${body.port}` };
      }
      case 'POST /disconnect': {
        const body = DisconnectBody.parse(await readJson(req));
        if (!servent.disconnect(body.id, body.reason))
          throw new HttpError(404, `no connection ${body.id}`);
        return { closing: body.id };
      }
      case 'GET /transfers':
        return transfersOf(servent).status();
      case 'POST /downloads':
        return {
          downloads: await startDownloads(servent, DownloadBody.parse(await readJson(req))),
        };
      default:
        throw new HttpError(404, `no route ${req.method} ${path}; try GET /status`);
    }
  }

  async #download(servent: Servent, method: string | undefined, base32: string): Promise<unknown> {
    const transfers = transfersOf(servent);
    const urn = `urn:sha1:${base32.toUpperCase()}`;
    if (method === 'DELETE') {
      if (!(await transfers.downloads.cancel(urn))) throw new HttpError(404, `no download ${urn}`);
      return { cancelled: urn };
    }
    const found = transfers.downloads.get(urn);
    if (method !== 'GET' || !found) throw new HttpError(404, `no download ${urn}`);
    return found.status();
  }

  /** NDJSON: results already in, then each new one, until the client disconnects. */
  #streamResults(servent: Servent, req: http.IncomingMessage, res: http.ServerResponse): void {
    const guid = SEARCH_PATH.exec(pathOf(req))![1]!;
    const record = servent.searches.get(guid);
    if (!record) {
      send(res, 404, { error: `no search ${guid}` });
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
    const write = (result: unknown) => res.write(`${JSON.stringify(result)}\n`);
    for (const result of record.results) write(result);
    const unsubscribe = servent.searches.subscribe(guid, write);
    req.on('close', unsubscribe);
  }
}

function transfersOf(servent: Servent): Transfers {
  const transfers = servent.transfers;
  if (!transfers)
    throw new HttpError(409, 'transfers need a state folder: start the servent with --data DIR');
  return transfers;
}

async function startDownloads(servent: Servent, body: z.infer<typeof DownloadBody>) {
  const transfers = transfersOf(servent);
  try {
    if ('magnet' in body)
      return (await transfers.downloads.fromMagnet(body.magnet)).map((d) => d.status());
  } catch (err) {
    if (err instanceof MagnetError) throw new HttpError(400, err.message);
    throw err;
  }
  const sha1 = base32Decode(body.sha1.replace(/^urn:sha1:/, '').toUpperCase());
  if (!sha1.ok) throw new HttpError(400, 'bad SHA-1');
  const sources = body.sources.map((s) => {
    const at = s.lastIndexOf(':');
    return { host: s.slice(0, at), port: Number(s.slice(at + 1)) };
  });
  const name = safeFileName(body.name);
  const download = await transfers.download(
    { sha1: sha1.value, name, ...(body.size !== undefined && { size: body.size }) },
    sources,
  );
  return [download.status()];
}

function pathOf(req: http.IncomingMessage): string {
  return new URL(req.url ?? '/', 'http://control').pathname;
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw new HttpError(400, 'body is not JSON');
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
