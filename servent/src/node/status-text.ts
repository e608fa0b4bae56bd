/** A readable summary of a servent's status for `gnutella-servent status`. */
import type { ServentStatus } from './servent.js';

export function formatStatus(s: ServentStatus): string {
  const lines = [
    `${s.userAgent} — ${s.mode} on ${s.listen.host}:${s.listen.port}`,
    `slots free: ${s.slots.freeUltrapeerSlots} ultrapeer, ${s.slots.freeLeafSlots} leaf; known hosts: ${s.knownHosts}`,
    s.shares
      ? `shares: ${s.shares.files} files, ${s.shares.bytes} bytes (${s.shares.pending} waiting to be hashed, ${s.shares.failed} unreadable)`
      : 'shares: none',
    `connections: ${s.connections.length}`,
  ];
  for (const c of s.connections) {
    const agent = c.peerHeaders['User-Agent'] ?? '?';
    const deflate =
      [c.compression.send && 'out', c.compression.receive && 'in'].filter(Boolean).join('+') ||
      'none';
    lines.push(
      `  #${c.id} ${c.direction} ${c.remote.host}:${c.remote.port} ${c.state} ${c.peerMode ?? '-'} ` +
        `"${agent}" deflate:${deflate} msgs in/out ${c.messagesIn}/${c.messagesOut}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
