/** The adapter for our own servent: CLI flags to start it, its control API to read and steer it. */
import type { Endpoint } from '../peers/fixture-peer.js';
import type { NodeRole, ReportedStatus, SutAdapter } from './adapter.js';

const GNUTELLA_PORT = 6346;
const CONTROL_PORT = 6347;
const CONTROL_TIMEOUT_MS = 5_000;

export function ourServentAdapter(image: string): SutAdapter {
  return {
    name: 'gnutella-servent',
    image,
    gnutellaPort: GNUTELLA_PORT,
    controlPort: CONTROL_PORT,
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
      if (role.maxLeaves !== undefined) args.push('--max-leaves', String(role.maxLeaves));
      if (role.maxUltrapeers !== undefined)
        args.push('--max-ultrapeers', String(role.maxUltrapeers));
      if (role.leafUltrapeers !== undefined)
        args.push('--leaf-ultrapeers', String(role.leafUltrapeers));
      if (role.deflate === false) args.push('--no-deflate');
      if (role.handshakeTimeoutMs !== undefined)
        args.push('--handshake-timeout', String(role.handshakeTimeoutMs));
      return args;
    },
    async status(control: Endpoint): Promise<ReportedStatus> {
      return (await call(control, 'GET', '/status')) as ReportedStatus;
    },
    async disconnect(control: Endpoint, id: number): Promise<void> {
      await call(control, 'POST', '/disconnect', { id });
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
