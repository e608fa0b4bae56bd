/**
 * Control API: HTTP JSON on its own port. The harness and the CLI drive the
 * servent through it; it is never the Gnutella port.
 *
 *   GET  /status                      mode, listen address, slots, connections with headers
 *   POST /connect     {host, port}    dial a peer now
 *   POST /disconnect  {id}            close a connection (Bye 200 where understood)
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { HostAddress } from '../core/hosts/host-list.js';
import type { Logger } from './log.js';
import type { Servent } from './servent.js';

/** Control requests are small; anything larger is refused unread. */
const MAX_BODY_BYTES = 16 * 1024;

const ConnectBody = z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535) });
const DisconnectBody = z.object({
  id: z.number().int().min(1),
  reason: z.string().max(200).optional(),
});

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
      this.#handle(servent, req)
        .then((body) => send(res, 200, body))
        .catch((err: unknown) => {
          const status = err instanceof HttpError ? err.status : 500;
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
    const route = `${req.method} ${new URL(req.url ?? '/', 'http://control').pathname}`;
    switch (route) {
      case 'GET /status':
        return servent.status();
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
      default:
        throw new HttpError(404, `no route ${route}; try GET /status`);
    }
  }
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
