/**
 * `gnutella-conformance record`: sits between two live servents for one
 * connection and writes it as a replayable fixture, with the conversation it
 * was made from beside it.
 *
 *   gnutella-conformance record --listen HOST:PORT --upstream HOST:PORT
 *     --out fixtures/peers/<name>.json [--play initiator|responder] [--name N]
 *     [--clauses HS-1,HS-2]
 *   npx tsx harness/record/record-cli.ts <the same arguments>
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import type { Side } from '../fixtures/conversation.js';
import { fixtureJson, shellQuote } from '../fixtures/from-conversation.js';
import type { Endpoint } from '../peers/fixture-peer.js';
import { RecordingProxy } from './recorder.js';

const USAGE =
  'usage: gnutella-conformance record --listen HOST:PORT --upstream HOST:PORT --out fixtures/peers/<name>.json ' +
  '[--play initiator|responder] [--name N] [--clauses HS-1,HS-2]';

/** Records one connection; resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const args = argv[0] === 'record' ? argv.slice(1) : argv;
  let options: ReturnType<typeof parse>;
  try {
    options = parse(args);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    console.error(USAGE);
    return 2;
  }
  const conversationFile = options.out.replace(/(\.json)?$/, '.conversation.json');
  const proxy = await RecordingProxy.start({
    listen: options.listen,
    upstream: options.upstream,
    play: options.play,
    ...(options.name !== undefined && { name: options.name }),
    clauses: options.clauses,
    command: `gnutella-conformance record ${args.map(shellQuote).join(' ')}`,
    source: conversationFile,
  });
  const { host, port } = proxy.endpoint;
  console.error(
    `recording: point the initiator at ${host}:${port}; bytes go on to ${options.upstream.host}:${options.upstream.port}. ` +
      'The recording ends when the connection closes, or on Ctrl-C.',
  );
  const interrupt = () => void proxy.stop();
  process.once('SIGINT', interrupt);
  const recording = await proxy.stopped;
  process.removeListener('SIGINT', interrupt);

  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(conversationFile, `${JSON.stringify(recording.conversation, null, 1)}\n`);
  const c = recording.conversation;
  console.error(
    `wrote ${conversationFile}: ${c.handshake.length} blocks, ${c.messages.length} messages, ${c.raw.length} TCP chunks`,
  );
  if (!recording.fixture) {
    console.error(`no fixture: ${recording.problem}`);
    return 1;
  }
  writeFileSync(options.out, fixtureJson(recording.fixture));
  console.error(
    `wrote ${options.out}: ${recording.fixture.steps.length} steps, playing the ${recording.fixture.peer.side}`,
  );
  return 0;
}

function parse(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      listen: { type: 'string' },
      upstream: { type: 'string' },
      out: { type: 'string' },
      play: { type: 'string' },
      name: { type: 'string' },
      clauses: { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new Error(`unexpected arguments: ${positionals.join(' ')}`);
  if (!values.listen || !values.upstream || !values.out)
    throw new Error('--listen, --upstream and --out are required');
  const play = values.play ?? 'initiator';
  if (play !== 'initiator' && play !== 'responder')
    throw new Error(`--play is initiator or responder, not "${play}"`);
  return {
    listen: endpoint('--listen', values.listen),
    upstream: endpoint('--upstream', values.upstream),
    out: values.out,
    play: play as Side,
    name: values.name,
    clauses: (values.clauses ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  };
}

function endpoint(flag: string, text: string): Endpoint {
  const m = /^(.+):(\d+)$/.exec(text);
  const port = Number(m?.[2]);
  if (!m || port > 65_535) throw new Error(`${flag} takes HOST:PORT, not "${text}"`);
  return { host: m[1]!, port };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
