/** Downloads, uploads, push and magnets: nodes sharing files, fixture uploaders, raw HTTP fixtures. */
import { createHash } from 'node:crypto';
import { Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { FixtureUploader } from '../harness/peers/fixture-uploader.js';
import { type RawAnswer, RawHttp } from '../harness/peers/raw-http.js';
import { base32, type ShareFile, shareFile } from '../harness/shares/share-set.js';
import { AdapterCapabilityError, type ReportedDownload } from '../harness/sut/adapter.js';
import { eventually } from './support/eventually.js';
import type { ConformanceWorld } from './support/world.js';

const MIB = 1024 * 1024;
/** Where our adapter's nodes put finished downloads (`--data /data/state`). */
const DOWNLOADS_DIR = '/data/state/downloads';

/** `"S1", "S2" and "S3"` → the names. */
const namesOf = (list: string): string[] => [...list.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);

function fileOf(world: ConformanceWorld, name: string, mib?: number): ShareFile {
  let file = world.files.get(name);
  if (!file) {
    file = shareFile(name, undefined, mib === undefined ? undefined : Math.round(mib * MIB));
    world.files.set(name, file);
  }
  return file;
}

function magnetOf(file: ShareFile, sources: string[] = []): string {
  const dn = encodeURIComponent(file.name);
  const xs = sources.map((url) => `&xs=${encodeURIComponent(url)}`).join('');
  return `magnet:?xt=${file.urn}&dn=${dn}&xl=${file.size}${xs}`;
}

function control(world: ConformanceWorld, name: string) {
  const node = world.node(name);
  const sut = world.sut;
  if (!node.control || !sut.download || !sut.downloadStatus)
    throw new AdapterCapabilityError(sut.name, 'download through a control API');
  return {
    node,
    start: (magnet: string) => sut.download!.call(sut, node.control!, magnet),
    status: (urn: string) => sut.downloadStatus!.call(sut, node.control!, urn),
  };
}

// ------------------------------------------------------------------ nodes and fixture uploaders

Given(
  /^servents? (.+) runs? as ultrapeers sharing the ([\d.]+) MiB file "([^"]+)"$/,
  async function (this: ConformanceWorld, list: string, mib: string, name: string) {
    const file = fileOf(this, name, Number(mib));
    await Promise.all(namesOf(list).map((n) => this.startNode(n, { mode: 'ultrapeer' }, [file])));
    await Promise.all(namesOf(list).map((n) => sharesHashed(this, n, file)));
  },
);

Given(
  /^servent "([^"]+)" runs as an ultrapeer sharing the ([\d.]+) MiB file "([^"]+)"(?: with (\d+) upload slots? and polls between (\d+) and (\d+) seconds)?$/,
  async function (
    this: ConformanceWorld,
    name: string,
    mib: string,
    fileName: string,
    slots?: string,
    pollMin?: string,
    pollMax?: string,
  ) {
    const file = fileOf(this, fileName, Number(mib));
    await this.startNode(
      name,
      {
        mode: 'ultrapeer',
        ...(slots && {
          uploadSlots: Number(slots),
          uploadPollMinS: Number(pollMin),
          uploadPollMaxS: Number(pollMax),
        }),
      },
      [file],
    );
    await sharesHashed(this, name, file);
  },
);

Given(
  /^servent "([^"]+)" runs as an ultrapeer connected to servents (.+)$/,
  async function (this: ConformanceWorld, name: string, list: string) {
    const peers = namesOf(list).map((n) => this.node(n).gnutella);
    await this.startNode(name, { mode: 'ultrapeer', peers });
    await connectedTo(this, name, namesOf(list));
  },
);

Given(
  /^fixture uploader "([^"]+)" serves the ([\d.]+) MiB file "([^"]+)"( with every byte flipped)?(?: at (\d+) KiB\/s)?$/,
  async function (
    this: ConformanceWorld,
    name: string,
    mib: string,
    fileName: string,
    flipped?: string,
    kibps?: string,
  ) {
    const network = await this.ensureNetwork();
    const file = fileOf(this, fileName, Number(mib));
    const uploader = await FixtureUploader.listen(network.gateway, name, file, {
      ...(flipped && { corrupt: true }),
      ...(kibps && { bytesPerSecond: Number(kibps) * 1024 }),
    });
    this.uploaders.set(name, uploader);
  },
);

// ------------------------------------------------------------------ downloading

When(
  /^servent "([^"]+)" downloads the magnet of "([^"]+)"(?: from (.+))?$/,
  async function (this: ConformanceWorld, name: string, fileName: string, from?: string) {
    const file = fileOf(this, fileName);
    const sources = from ? namesOf(from).map((n) => this.uploader(n).url) : [];
    const urns = await control(this, name).start(magnetOf(file, sources));
    expect(
      urns.map((u) => u.toUpperCase()),
      'downloads started',
    ).to.include(file.urn.toUpperCase());
  },
);

Then(
  /^within (\d+) seconds servent "([^"]+)" has saved "([^"]+)" with the right SHA-1$/,
  async function (this: ConformanceWorld, seconds: string, name: string, fileName: string) {
    const file = fileOf(this, fileName);
    const { node, status } = control(this, name);
    let done: ReportedDownload | undefined;
    await eventually(
      Number(seconds) * 1000,
      `servent "${name}" completing ${fileName}`,
      async () => {
        const report = await status(file.urn);
        if (report.state !== 'complete') return summary(report);
        done = report;
        return undefined;
      },
    );
    const saved = await node.readFile(done!.path!);
    expect(sha1Base32(saved), `SHA-1 of the file servent "${name}" saved`).to.equal(
      file.sha1Base32,
    );
    this.notes.set(`download:${name}:${fileName}`, done);
  },
);

Then(
  /^each of servents (.+) served servent "([^"]+)" some of "([^"]+)"$/,
  async function (this: ConformanceWorld, list: string, name: string, fileName: string) {
    const report = this.notes.get(`download:${name}:${fileName}`) as ReportedDownload;
    for (const source of namesOf(list)) {
      const ip = this.node(source).ip;
      const entry = report.sources.find((s) => s.source.startsWith(`${ip}:`));
      expect(
        entry,
        `servent "${source}" (${ip}) among the sources: ${summary(report)}`,
      ).to.not.equal(undefined);
      expect(entry!.bytes, `bytes servent "${source}" served`).to.be.greaterThan(0);
    }
  },
);

Then(
  /^servent "([^"]+)" reports source "([^"]+)" as banned$/,
  async function (this: ConformanceWorld, name: string, uploader: string) {
    const { endpoint, file } = this.uploader(uploader);
    const report = await control(this, name).status(file.urn);
    const entry = report.sources.find((s) => s.source === `${endpoint.host}:${endpoint.port}`);
    expect(entry?.state, `state of source "${uploader}": ${summary(report)}`).to.equal('banned');
  },
);

Then(
  /^a request "([^"]+)" received after that names "([^"]+)" in X-NAlt$/,
  function (this: ConformanceWorld, honest: string, liar: string) {
    const { host, port } = this.uploader(liar).endpoint;
    const requests = this.uploader(honest).requests;
    const naming = requests.filter((r) =>
      (r.headers['x-nalt'] ?? '').split(/\s*,\s*/).includes(`${host}:${port}`),
    );
    expect(
      naming.length,
      `requests to "${honest}" naming ${host}:${port} in X-NAlt; X-NAlt seen: ${JSON.stringify(requests.map((r) => r.headers['x-nalt'] ?? null))}`,
    ).to.be.greaterThan(0);
  },
);

When(
  /^within (\d+) seconds servent "([^"]+)" has verified at least ([\d.]+) MiB of "([^"]+)"$/,
  async function (
    this: ConformanceWorld,
    seconds: string,
    name: string,
    mib: string,
    fileName: string,
  ) {
    const file = fileOf(this, fileName);
    const { status } = control(this, name);
    await eventually(Number(seconds) * 1000, `servent "${name}" verifying ${mib} MiB`, async () => {
      const report = await status(file.urn);
      return report.verifiedBytes >= Number(mib) * MIB ? undefined : summary(report);
    });
  },
);

When(
  /^servent "([^"]+)" is killed and started again$/,
  async function (this: ConformanceWorld, name: string) {
    const node = this.node(name);
    // What the node had verified the moment before it died: the ranges it must not fetch again.
    const before = await Promise.all(
      [...this.files.values()].map(
        async (f) => [f.urn, await control(this, name).status(f.urn)] as const,
      ),
    );
    const servedBefore = new Map([...this.uploaders].map(([n, u]) => [n, u.served.length]));
    await node.kill();
    this.notes.set('verified-before-kill', new Map(before.map(([urn, r]) => [urn, r.verified])));
    this.notes.set('served-before-kill', servedBefore);
    await node.restart();
  },
);

Then(
  /^"([^"]+)" served nothing after the restart that "([^"]+)" had verified before it$/,
  function (this: ConformanceWorld, uploaderName: string, _node: string) {
    const uploader = this.uploader(uploaderName);
    const verified = (
      this.notes.get('verified-before-kill') as Map<string, Array<[number, number]>>
    ).get(uploader.file.urn)!;
    const from = (this.notes.get('served-before-kill') as Map<string, number>).get(uploaderName)!;
    const after = uploader.served.slice(from);
    expect(after.length, 'ranges served after the restart').to.be.greaterThan(0);
    for (const range of after) {
      for (const [start, end] of verified) {
        const overlaps = range.start < end && range.end + 1 > start;
        expect(
          overlaps,
          `bytes ${range.start}-${range.end} again, verified before: ${start}-${end - 1}`,
        ).to.be.false;
      }
    }
  },
);

// ------------------------------------------------------------------ the SUT as uploader, on the wire

When(
  /^fixture downloader "([^"]+)" asks "([^"]+)" for "([^"]+)"( and holds its slot)?$/,
  async function (
    this: ConformanceWorld,
    name: string,
    node: string,
    fileName: string,
    hold?: string,
  ) {
    const client = await RawHttp.open(this.node(node).gnutella);
    this.notes.set(`raw:${name}`, client);
    const file = fileOf(this, fileName);
    const answer = await client.request(`/uri-res/N2R?${file.urn}`, [], hold ? 0 : undefined);
    this.notes.set(`answer:${name}`, answer);
  },
);

Then(
  /^"([^"]+)" is answered 503 with X-Queue position 1 and a poll window, on a connection kept open$/,
  function (this: ConformanceWorld, name: string) {
    const answer = this.notes.get(`answer:${name}`) as RawAnswer;
    expect(answer.status, `status; head: ${answer.head}`).to.equal(503);
    const queue = answer.headers['x-queue'] ?? '';
    expect(queue, 'X-Queue').to.match(/position=1\b/);
    const pollMin = /pollMin=(\d+)/.exec(queue);
    expect(pollMin, 'X-Queue pollMin').to.not.equal(null);
    expect(queue, 'X-Queue pollMax').to.match(/pollMax=\d+/);
    expect(answer.headers.connection ?? '', 'Connection').to.not.match(/close/i);
    this.notes.set(`pollMin:${name}`, Number(pollMin![1]));
  },
);

When(
  /^"([^"]+)" reads the rest and closes$/,
  async function (this: ConformanceWorld, name: string) {
    const client = this.notes.get(`raw:${name}`) as RawHttp;
    const answer = this.notes.get(`answer:${name}`) as RawAnswer;
    expect(answer.status, `"${name}" was served`).to.equal(200);
    await client.readBody(answer, Number(answer.headers['content-length']));
    client.close();
  },
);

When(
  /^"([^"]+)" asks again on the same connection after the poll minimum$/,
  async function (this: ConformanceWorld, name: string) {
    const client = this.notes.get(`raw:${name}`) as RawHttp;
    const pollMin = this.notes.get(`pollMin:${name}`) as number;
    await new Promise((resolve) => setTimeout(resolve, pollMin * 1000 + 300));
    const previous = this.notes.get(`answer:${name}`) as RawAnswer;
    const file = [...this.files.values()][0]!;
    expect(previous.status).to.equal(503);
    this.notes.set(`answer:${name}`, await client.request(`/uri-res/N2R?${file.urn}`, []));
  },
);

Then(
  /^"([^"]+)" is answered 200 with the whole of "([^"]+)"$/,
  function (this: ConformanceWorld, name: string, fileName: string) {
    const answer = this.notes.get(`answer:${name}`) as RawAnswer;
    const file = fileOf(this, fileName);
    expect(answer.status, `status; head: ${answer.head}`).to.equal(200);
    expect(sha1Base32(answer.body), 'SHA-1 of the body').to.equal(file.sha1Base32);
  },
);

When(
  /^a fixture asks "([^"]+)" for "([^"]*)" with Range "([^"]*)"$/,
  async function (this: ConformanceWorld, node: string, target: string, range: string) {
    const file = [...this.files.values()][0]!;
    const client = await RawHttp.open(this.node(node).gnutella);
    try {
      const headers: Array<[string, string]> = range === '' ? [] : [['Range', range]];
      this.notes.set('answer', await client.request(target.replace('{urn}', file.urn), headers));
      // Nothing more may follow the answer's body.
      this.notes.set('trailing', await client.drain(500));
    } finally {
      client.close();
    }
  },
);

Then(
  /^"([^"]+)" answers (\d{3}) with Server and Content-Length, and no bytes of any file$/,
  function (this: ConformanceWorld, node: string, status: string) {
    const answer = this.notes.get('answer') as RawAnswer;
    const trailing = this.notes.get('trailing') as Buffer;
    expect(answer.status, `status; head: ${answer.head}`).to.equal(Number(status));
    expect(answer.headers, 'headers (HTTP-11)').to.have.property('server');
    expect(answer.headers, 'headers (HTTP-11)').to.have.property('content-length');
    const file = [...this.files.values()][0]!;
    if (Number(status) === 416) {
      expect(answer.headers['content-range'], 'Content-Range (HTTP-8)').to.equal(
        `bytes */${file.size}`,
      );
    }
    const sent = Buffer.concat([answer.body, trailing]);
    expect(sent.length, `body bytes from "${node}"`).to.be.lessThan(200);
    expect(sent.includes(file.content.subarray(0, 32)), 'file bytes in the answer').to.be.false;
  },
);

// ------------------------------------------------------------------ push

Given(
  /^servent "([^"]+)" runs as a leaf sharing the ([\d.]+) MiB file "([^"]+)" behind a firewall$/,
  async function (this: ConformanceWorld, name: string, mib: string, fileName: string) {
    const file = fileOf(this, fileName, Number(mib));
    const node = await this.startNode(name, { mode: 'leaf' }, [file]);
    await node.firewall();
    await sharesHashed(this, name, file);
  },
);

Given(
  /^servent "([^"]+)" is told to connect to servent "([^"]+)"$/,
  async function (this: ConformanceWorld, name: string, other: string) {
    const node = this.node(name);
    if (!node.control || !this.sut.connect)
      throw new AdapterCapabilityError(this.sut.name, 'dial a peer');
    await this.sut.connect(node.control, this.node(other).gnutella);
    await connectedTo(this, name, [other]);
  },
);

Given(
  /^within (\d+) seconds servent "([^"]+)" reports itself firewalled with servent "([^"]+)" as push proxy$/,
  async function (this: ConformanceWorld, seconds: string, name: string, proxy: string) {
    const node = this.node(name);
    const proxyIp = this.node(proxy).ip;
    if (!node.control || !this.sut.status)
      throw new AdapterCapabilityError(this.sut.name, 'report whether it is firewalled');
    await eventually(
      Number(seconds) * 1000,
      `servent "${name}" firewalled, proxied by "${proxy}"`,
      async () => {
        const status = (await this.sut.status!(node.control!)) as unknown as {
          firewalled?: boolean;
          pushProxies?: Array<{ host: string }>;
        };
        const ok =
          status.firewalled === true && (status.pushProxies ?? []).some((p) => p.host === proxyIp);
        return ok
          ? undefined
          : JSON.stringify({ firewalled: status.firewalled, pushProxies: status.pushProxies });
      },
    );
  },
);

Given(
  /^servent "([^"]+)" searches for "([^"]+)" and finds it at servent "([^"]+)" with servent "([^"]+)" as push proxy$/,
  async function (
    this: ConformanceWorld,
    name: string,
    text: string,
    holder: string,
    proxy: string,
  ) {
    const node = this.node(name);
    const sut = this.sut;
    if (!node.control || !sut.search || !sut.searchResults)
      throw new AdapterCapabilityError(sut.name, 'search');
    const guid = await sut.search(node.control, text);
    const holderIp = this.node(holder).ip;
    const proxyIp = this.node(proxy).ip;
    await eventually(20_000, `a hit from "${holder}" naming "${proxy}" as push proxy`, async () => {
      const results = (await sut.searchResults!(node.control!, guid)) as unknown as Array<{
        host: string;
        firewalled?: boolean;
        pushProxies?: string[];
      }>;
      const hit = results.find(
        (r) =>
          r.host === holderIp &&
          r.firewalled &&
          (r.pushProxies ?? []).some((p) => p.startsWith(`${proxyIp}:`)),
      );
      return hit ? undefined : JSON.stringify(results);
    });
  },
);

Given(
  /^servent "([^"]+)" is told to close its connection to servent "([^"]+)"$/,
  async function (this: ConformanceWorld, name: string, other: string) {
    const node = this.node(name);
    const { status, disconnect } = this.sut;
    if (!node.control || !status || !disconnect)
      throw new AdapterCapabilityError(this.sut.name, 'close a chosen connection');
    const otherIp = this.node(other).ip;
    const report = await status.call(this.sut, node.control);
    for (const conn of report.connections.filter((c) => c.remote.host === otherIp))
      await disconnect.call(this.sut, node.control, conn.id);
    await eventually(10_000, `servent "${name}" without a connection to "${other}"`, async () => {
      const now = await status.call(this.sut, node.control!);
      const left = now.connections.filter((c) => c.remote.host === otherIp);
      return left.length === 0 ? undefined : JSON.stringify(left);
    });
  },
);

Then(
  /^servent "([^"]+)" reports its source at servent "([^"]+)" as firewalled$/,
  async function (this: ConformanceWorld, name: string, holder: string) {
    const file = [...this.files.values()][0]!;
    const report = await control(this, name).status(file.urn);
    const ip = this.node(holder).ip;
    const entry = report.sources.find((s) => s.source.startsWith(`${ip}:`));
    expect(entry?.firewalled, `source at "${holder}": ${summary(report)}`).to.equal(true);
    expect(entry!.bytes, `bytes from "${holder}"`).to.equal(file.size);
  },
);

Then(
  /^servent "([^"]+)" has relayed a push$/,
  async function (this: ConformanceWorld, name: string) {
    const node = this.node(name);
    if (!node.control || !this.sut.stats)
      throw new AdapterCapabilityError(this.sut.name, 'report counters');
    const stats = await this.sut.stats(node.control);
    expect(stats.messagesOut[0x40] ?? 0, `pushes sent by "${name}"`).to.be.greaterThan(0);
  },
);

// ------------------------------------------------------------------ magnets through the CLI

When(
  /^servent "([^"]+)" runs "gnutella-servent download" with (?:the magnet of "([^"]+)" and "([^"]+)" as xs|"([^"]+)")$/,
  async function (
    this: ConformanceWorld,
    name: string,
    fileName?: string,
    xs?: string,
    magnet?: string,
  ) {
    const node = this.node(name);
    const command = this.sut.downloadCommand;
    if (!command)
      throw new AdapterCapabilityError(this.sut.name, 'download a magnet from its command line');
    let uri: string;
    if (fileName) {
      uri = magnetOf(fileOf(this, fileName), [this.uploader(xs!).url]);
    } else {
      const file = [...this.files.values()].at(-1)!;
      uri = magnet!.replace('{sha1}', file.sha1Base32).replace('{size}', String(file.size));
    }
    this.notes.set('cli', await node.exec(command.call(this.sut, uri)));
    this.notes.set('cli-node', name);
  },
);

Then(
  /^the command exits 0 and prints a path in servent "([^"]+)"'s downloads folder$/,
  function (this: ConformanceWorld, _name: string) {
    const { exitCode, output } = this.notes.get('cli') as { exitCode: number; output: string };
    expect(exitCode, `exit code; output:\n${output}`).to.equal(0);
    // stdout and stderr come mixed: the path is the line that is one.
    const path =
      output
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.startsWith('/'))
        .at(-1) ?? '';
    expect(path.startsWith(`${DOWNLOADS_DIR}/`), `printed path ${path}`).to.be.true;
    expect(path.slice(DOWNLOADS_DIR.length + 1), 'saved name').to.not.include('/');
    this.notes.set('cli-path', path);
  },
);

Then(
  /^that file has the SHA-1 of "([^"]+)"$/,
  async function (this: ConformanceWorld, fileName: string) {
    const node = this.node(this.notes.get('cli-node') as string);
    const saved = await node.readFile(this.notes.get('cli-path') as string);
    expect(sha1Base32(saved)).to.equal(fileOf(this, fileName).sha1Base32);
  },
);

// ------------------------------------------------------------------ helpers

async function sharesHashed(world: ConformanceWorld, name: string, file: ShareFile): Promise<void> {
  const node = world.node(name);
  const sut = world.sut;
  if (!node.control || !sut.shares) return;
  await eventually(30_000, `servent "${name}" sharing ${file.name}`, async () => {
    const shares = await sut.shares!(node.control!);
    return shares.some((s) => s.sha1 === file.sha1Base32) ? undefined : JSON.stringify(shares);
  });
}

async function connectedTo(world: ConformanceWorld, name: string, others: string[]): Promise<void> {
  const node = world.node(name);
  const status = world.sut.status;
  if (!node.control || !status) return;
  const ips = others.map((o) => world.node(o).ip);
  await eventually(20_000, `servent "${name}" connected to ${others.join(', ')}`, async () => {
    const report = await status.call(world.sut, node.control!);
    const up = report.connections
      .filter((c) => c.state === 'established')
      .map((c) => c.remote.host);
    const missing = ips.filter((ip) => !up.includes(ip));
    return missing.length === 0 ? undefined : `missing ${missing.join(', ')}`;
  });
}

function summary(report: ReportedDownload): string {
  return JSON.stringify({
    state: report.state,
    verified: report.verifiedBytes,
    sources: report.sources.map((s) => `${s.source} ${s.state} ${s.bytes}`),
  });
}

function sha1Base32(bytes: Buffer): string {
  return base32(createHash('sha1').update(bytes).digest());
}

Then(
  /^servent "([^"]+)" checked "([^"]+)" against a Tiger tree one of them served$/,
  function (this: ConformanceWorld, name: string, fileName: string) {
    const report = this.notes.get(`download:${name}:${fileName}`) as ReportedDownload;
    expect(report.tree, `tree used by servent "${name}"`).to.not.equal(undefined);
    expect(report.tree!.blockSize, 'tree block size').to.be.greaterThan(0);
  },
);

When(
  /^a fixture asks "([^"]+)" for the (first|last) 100 bytes of "([^"]+)"$/,
  async function (this: ConformanceWorld, node: string, which: string, fileName: string) {
    const file = fileOf(this, fileName);
    const range = which === 'first' ? 'bytes=0-99' : `bytes=${file.size - 100}-${file.size - 1}`;
    const client = await RawHttp.open(this.node(node).gnutella);
    try {
      this.notes.set(
        'answer',
        await client.request(`/uri-res/N2R?${file.urn}`, [['Range', range]]),
      );
    } finally {
      client.close();
    }
  },
);

Then(
  /^"([^"]+)" answers 206 with those bytes, X-Available-Ranges and the content URN$/,
  function (this: ConformanceWorld, _node: string) {
    const answer = this.notes.get('answer') as RawAnswer;
    const file = [...this.files.values()][0]!;
    expect(answer.status, `status; head: ${answer.head}`).to.equal(206);
    expect(answer.headers['content-range'], 'Content-Range').to.equal(`bytes 0-99/${file.size}`);
    expect(answer.body.equals(file.content.subarray(0, 100)), 'the body is the file bytes 0-99').to
      .be.true;
    expect(answer.headers['x-available-ranges'] ?? '', 'X-Available-Ranges').to.match(
      /^bytes 0-\d+/,
    );
    expect(answer.headers['x-gnutella-content-urn'], 'X-Gnutella-Content-URN').to.equal(file.urn);
  },
);

Then(
  /^"([^"]+)" answers 416 with X-Available-Ranges naming only verified bytes$/,
  async function (this: ConformanceWorld, node: string) {
    const answer = this.notes.get('answer') as RawAnswer;
    const file = [...this.files.values()][0]!;
    expect(answer.status, `status; head: ${answer.head}`).to.equal(416);
    const advertised = answer.headers['x-available-ranges'] ?? '';
    expect(advertised, 'X-Available-Ranges').to.match(/^bytes \d+-\d+/);
    // Whatever it names must be verified now (verified ranges only grow).
    const report = await control(this, node).status(file.urn);
    for (const [, a, b] of advertised.matchAll(/(\d+)-(\d+)/g)) {
      const covered = report.verified.some(([s, e]) => s <= Number(a) && Number(b) < e);
      expect(covered, `advertised ${a}-${b} within verified ${JSON.stringify(report.verified)}`).to
        .be.true;
    }
  },
);
