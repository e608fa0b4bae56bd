/** The readiness probe against a real servent on loopback. */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { test } from 'node:test';
import { NotReadyError, probeOnce, waitForHandshake } from '../runtime/handshake-probe.js';

/** A responder that says 200 and keeps whatever the probe writes afterwards. */
async function scriptedResponder(): Promise<{
  port: number;
  received: Promise<string>;
  close: () => void;
}> {
  let resolveReceived: (text: string) => void = () => {};
  const received = new Promise<string>((r) => {
    resolveReceived = r;
  });
  const server = net.createServer((socket) => {
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (text.endsWith('\r\n\r\n') && !text.includes('GNUTELLA/0.6'))
        socket.write('GNUTELLA/0.6 200 OK\r\nX-Ultrapeer: True\r\n\r\n');
    });
    socket.on('end', () => resolveReceived(text));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    received,
    close: () => server.close(),
  };
}

test('a node is ready once it answers a 0.6 handshake; the probe then declines politely and closes', async () => {
  const responder = await scriptedResponder();
  try {
    assert.equal(await waitForHandshake('127.0.0.1', responder.port, 5_000, 'node'), 200);
    const text = await responder.received;
    assert.match(text, /^GNUTELLA CONNECT\/0\.6\r\n/);
    assert.match(
      text,
      /\r\n\r\nGNUTELLA\/0\.6 503 Probe done\r\n\r\n$/,
      'block (3) refuses (HS-4 allows it)',
    );
  } finally {
    responder.close();
  }
});

test('a port that answers with something else is not ready, and the wait says why', async () => {
  const server = net.createServer((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  try {
    await assert.rejects(probeOnce('127.0.0.1', port, AbortSignal.timeout(2_000)), NotReadyError);
    await assert.rejects(
      waitForHandshake('127.0.0.1', port, 300, 'node x'),
      /node x at 127\.0\.0\.1:\d+ did not complete a 0\.6 handshake after 300 ms/,
    );
  } finally {
    server.close();
  }
});
