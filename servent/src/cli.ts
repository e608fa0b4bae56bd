#!/usr/bin/env node
/**
 * gnutella-servent: run a servent, or ask a running one how it is.
 *
 *   gnutella-servent start --listen HOST:PORT [--ultrapeer|--leaf] [--peer HOST:PORT ...] [--uhc HOST:PORT ...] [--gwc URL ...] [--control HOST:PORT]
 *   gnutella-servent status [--control HOST:PORT]
 *   gnutella-servent search "terms" [--control HOST:PORT] [--timeout SECONDS]
 *   gnutella-servent download 'magnet:?xt=urn:sha1:…' [--control HOST:PORT] [--timeout SECONDS]
 */
import { Command, Option } from 'commander';
import { ConfigError, parseConfig, type ServentConfigInput } from './node/config.js';
import { ControlApi } from './node/control-api.js';
import { createLogger } from './node/log.js';
import type { SearchResult } from './node/searches.js';
import { Servent, type ServentStatus } from './node/servent.js';
import { formatStatus } from './node/status-text.js';

const VERSION = '0.1.0';

const collect = (value: string, previous: string[]) => [...previous, value];
const int = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new Error(`not a whole number: ${value}`);
  return n;
};

const program = new Command('gnutella-servent')
  .description('A Gnutella 0.6 servent')
  .version(VERSION, '-V, --version');

program
  .command('start')
  .description('run a servent until interrupted')
  .requiredOption('--listen <host:port>', 'Gnutella listening address')
  .option('--control <host:port>', 'control API (HTTP JSON) address')
  .addOption(new Option('--ultrapeer', 'run as an ultrapeer (default)').conflicts(['leaf', 'auto']))
  .addOption(new Option('--leaf', 'run as a leaf').conflicts(['ultrapeer', 'auto']))
  .addOption(
    new Option(
      '--auto',
      'start as a leaf; become an ultrapeer when reachable and up long enough',
    ).conflicts(['ultrapeer', 'leaf']),
  )
  .option('--promote-after <ms>', 'automatic mode: uptime before becoming an ultrapeer', int)
  .option(
    '--demote-after <ms>',
    'automatic mode: time without leaves before becoming a leaf again',
    int,
  )
  .option('--switch-rest <ms>', 'automatic mode: rest after a switch (doubles each time)', int)
  .option('--peer <host:port>', 'peer to connect to; repeat for several', collect, [])
  .option(
    '--uhc <host:port>',
    'UDP host cache to ping when no known host answers; repeat for several',
    collect,
    [],
  )
  .option(
    '--gwc <url>',
    'GWebCache to ask when neither known hosts nor UDP host caches help; repeat for several',
    collect,
    [],
  )
  .option(
    '--advertise <host:port>',
    'address to advertise in Listen-IP (default: the address peers reach)',
  )
  .option('--user-agent <text>', 'User-Agent header value')
  .option('--max-leaves <n>', 'leaf slots of an ultrapeer', int)
  .option('--max-ultrapeers <n>', 'ultrapeer slots', int)
  .option('--leaf-ultrapeers <n>', 'ultrapeers a leaf keeps', int)
  .option('--no-deflate', 'neither offer nor use compressed links')
  .option('--handshake-timeout <ms>', 'time allowed to complete a handshake', int)
  .option('--redial-after <ms>', 'rest before a host is dialled again', int)
  .option('--share <dir>', 'folder to share (walked recursively)')
  .option('--data <dir>', 'folder for state such as the hash cache (needed with --share)')
  .option('--hash-workers <n>', 'threads hashing shared files', int)
  .option('--rescan-interval <ms>', 'how often the share folder is rescanned', int)
  .option('--downloads <dir>', 'folder for finished downloads (default: <data>/downloads)')
  .option('--upload-slots <n>', 'uploads served at once', int)
  .option('--upload-queue <n>', 'downloaders kept waiting when every slot is taken', int)
  .option('--upload-poll-min <s>', 'a queued downloader polls again no sooner than this', int)
  .option('--upload-poll-max <s>', 'a queued downloader polls again no later than this', int)
  .option('--connect-back-wait <ms>', 'a leaf with no connect-back by then is firewalled', int)
  .option('--log-level <level>', 'trace, debug, info, warn, error or silent')
  .action(async (opts) => {
    const input: ServentConfigInput = {
      listen: opts.listen,
      control: opts.control,
      mode: opts.auto ? 'auto' : opts.leaf ? 'leaf' : 'ultrapeer',
      promoteAfterMs: opts.promoteAfter,
      demoteAfterMs: opts.demoteAfter,
      switchRestMs: opts.switchRest,
      peers: opts.peer,
      udpHostCaches: opts.uhc,
      webCaches: opts.gwc,
      advertise: opts.advertise,
      userAgent: opts.userAgent ?? `GnutellaServent/${VERSION}`,
      maxLeaves: opts.maxLeaves,
      maxUltrapeers: opts.maxUltrapeers,
      leafUltrapeers: opts.leafUltrapeers,
      deflate: opts.deflate,
      handshakeTimeoutMs: opts.handshakeTimeout,
      redialAfterMs: opts.redialAfter,
      logLevel: opts.logLevel,
      share: opts.share,
      data: opts.data,
      hashWorkers: opts.hashWorkers,
      rescanIntervalMs: opts.rescanInterval,
      downloads: opts.downloads,
      uploadSlots: opts.uploadSlots,
      uploadQueue: opts.uploadQueue,
      uploadPollMinS: opts.uploadPollMin,
      uploadPollMaxS: opts.uploadPollMax,
      connectBackWaitMs: opts.connectBackWait,
    };
    const config = parseConfig(input);
    const log = createLogger(config.logLevel);
    const servent = new Servent(config, log);
    await servent.start();
    const control = config.control && new ControlApi(servent, log);
    if (control && config.control) await control.start(config.control);
    const shutdown = async (signal: string) => {
      log.info({ signal }, 'shutting down');
      await Promise.all([servent.stop(), control?.stop()]);
      process.exit(0);
    };
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
    process.once('SIGINT', () => void shutdown('SIGINT'));
  });

program
  .command('status')
  .description("print a running servent's state")
  .option('--control <host:port>', 'its control API address', '127.0.0.1:6347')
  .option('--json', 'print the raw JSON')
  .action(async (opts) => {
    const res = await fetch(`http://${opts.control}/status`, {
      signal: AbortSignal.timeout(5_000),
    });
    if (!res.ok) throw new Error(`control API answered ${res.status}: ${await res.text()}`);
    const status = (await res.json()) as ServentStatus;
    process.stdout.write(opts.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
  });

program
  .command('search')
  .description('search the network through a running servent; results print as they arrive')
  .argument('<terms>', 'what to look for')
  .option('--control <host:port>', 'its control API address', '127.0.0.1:6347')
  .option('--timeout <seconds>', 'how long to wait for results', Number, 10)
  .option('--json', 'print each result as a JSON line')
  .action(async (terms: string, opts) => {
    const base = `http://${opts.control}`;
    const started = await fetch(`${base}/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: terms }),
      signal: AbortSignal.timeout(5_000),
    });
    if (!started.ok)
      throw new Error(`control API answered ${started.status}: ${await started.text()}`);
    const { guid } = (await started.json()) as { guid: string };
    process.stderr.write(`searching for "${terms}" (query ${guid}) for ${opts.timeout} s...\n`);
    let count = 0;
    const print = (line: string) => {
      if (line.trim() === '') return;
      count++;
      if (opts.json) {
        process.stdout.write(`${line}\n`);
        return;
      }
      const r = JSON.parse(line) as SearchResult;
      process.stdout.write(`${r.name}  ${r.size} bytes  ${r.host}:${r.port}  ${r.sha1 ?? ''}\n`);
    };
    try {
      const res = await fetch(`${base}/search/${guid}/stream`, {
        signal: AbortSignal.timeout(opts.timeout * 1000),
      });
      const decoder = new TextDecoder();
      let buffered = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) print(line);
      }
    } catch (err) {
      if (!(err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')))
        throw err;
    }
    process.stderr.write(`${count} result${count === 1 ? '' : 's'}\n`);
  });

program
  .command('download')
  .description('download what a magnet link names through a running servent, and wait for it')
  .argument('<magnet>', "a magnet link: 'magnet:?xt=urn:sha1:…&dn=…&xl=…&xs=…'")
  .option('--control <host:port>', 'its control API address', '127.0.0.1:6347')
  .option(
    '--timeout <seconds>',
    'give up waiting after this long (the download goes on)',
    Number,
    3600,
  )
  .option('--no-wait', 'start the download and return')
  .action(async (magnet: string, opts) => {
    const base = `http://${opts.control}`;
    const started = await fetch(`${base}/downloads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ magnet }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!started.ok)
      throw new Error(`control API answered ${started.status}: ${await started.text()}`);
    const { downloads } = (await started.json()) as { downloads: DownloadReport[] };
    if (!opts.wait) {
      for (const d of downloads) process.stdout.write(`${d.urn}  ${d.name}  ${d.state}\n`);
      return;
    }
    const deadline = Date.now() + opts.timeout * 1000;
    for (const { urn } of downloads) {
      for (;;) {
        const res = await fetch(`${base}/downloads/${urn}`, { signal: AbortSignal.timeout(5_000) });
        if (!res.ok) throw new Error(`control API answered ${res.status}: ${await res.text()}`);
        const d = (await res.json()) as DownloadReport;
        process.stderr.write(`${progressLine(d)}\n`);
        if (d.state === 'complete') {
          process.stdout.write(`${d.path}\n`);
          break;
        }
        if (d.state === 'failed') throw new Error(`download of ${d.name} failed: ${d.error}`);
        if (Date.now() > deadline)
          throw new Error(`still downloading ${d.name} after ${opts.timeout} s`);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  });

interface DownloadReport {
  urn: string;
  name: string;
  size?: number;
  state: string;
  error?: string;
  path?: string;
  verifiedBytes: number;
  rateBytesPerS: number;
  sources: Array<{ state: string }>;
}

function progressLine(d: DownloadReport): string {
  const percent = d.size ? ((100 * d.verifiedBytes) / d.size).toFixed(1) : '?';
  const active = d.sources.filter((s) => s.state === 'active').length;
  return `${d.name}: ${d.state}, ${percent}% verified (${d.verifiedBytes} of ${d.size ?? '?'} bytes), ${active}/${d.sources.length} sources, ${(d.rateBytesPerS / 1024).toFixed(0)} KiB/s`;
}

program.parseAsync().catch((err: unknown) => {
  const message =
    err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err);
  process.stderr.write(`gnutella-servent: ${message}\n`);
  if (err instanceof TypeError && String(err.message).includes('fetch failed')) {
    process.stderr.write('is a servent running with --control at that address?\n');
  }
  process.exit(1);
});
