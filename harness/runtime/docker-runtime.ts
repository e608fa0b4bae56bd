/**
 * DockerRuntime: nodes as containers on one internal Docker network per scenario.
 * testcontainers starts the containers; dockerode makes the networks (internal,
 * labelled), reads logs and cleans up. Nodes are ready when they answer a real
 * 0.6 handshake, never after a sleep or a log line.
 */
import { execFile } from 'node:child_process';
import { Readable } from 'node:stream';
import Docker from 'dockerode';
import type { BoundPorts } from 'testcontainers';
import { GenericContainer, type StartedTestContainer, type WaitStrategy } from 'testcontainers';
import { type Leftovers, leftovers, removeLabelled, sweepDeadRuns } from './cleanup.js';
import * as faults from './faults.js';
import { waitForHandshake } from './handshake-probe.js';
import { LABEL, runLabels } from './labels.js';
import { type TarEntry, tarArchive } from './tar.js';

// Our own label-based cleanup replaces Ryuk, which needs an image we cannot pull.
process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';

export interface ScenarioNetwork {
  name: string;
  id: string;
  /** The host's address on the bridge: where nodes reach fixture peers run by the harness. */
  gateway: string;
  subnet: string;
}

export interface NodeSpec {
  /** Short name within the scenario, e.g. `sut` or `up-1`. */
  name: string;
  image: string;
  command: string[];
  gnutellaPort: number;
  controlPort?: number;
  readyTimeoutMs?: number;
  /**
   * Files and directories put into the container's filesystem before it
   * starts (paths relative to `/`), with the owner each entry names: a
   * node's share folder and state directory.
   */
  files?: TarEntry[];
}

export interface Endpoint {
  host: string;
  port: number;
}

export interface StartedNode {
  name: string;
  containerId: string;
  ip: string;
  gnutella: Endpoint;
  control: Endpoint | undefined;
  logs(): Promise<string>;
  stop(): Promise<void>;
  /** Puts more files into the running container (paths relative to `/`), e.g. a newly shared file. */
  copyFiles(entries: TarEntry[]): Promise<void>;
  /** One regular file's bytes out of the container (also a stopped one). */
  readFile(path: string): Promise<Buffer>;
  /** SIGKILL, as a crash: no shutdown code runs. The container and its files stay. */
  kill(): Promise<void>;
  /** Starts a killed node again, same container and files; resolves once it handshakes. */
  restart(): Promise<void>;
  /**
   * A real firewall in the node's network namespace: iptables drops every
   * inbound SYN to its Gnutella port, so nobody can connect to it while it
   * still dials out (push.md §1). Needs root on the host (nsenter, iptables).
   */
  firewall(): Promise<void>;
  /** Runs a command in the running container; its exit code and output. */
  exec(command: string[]): Promise<{ exitCode: number; output: string }>;
  /** Freezes the node (docker pause): its sockets stay open, nothing is read or answered. */
  pause(): Promise<void>;
  unpause(): Promise<void>;
  /** Takes the node off the scenario network, a partition: its connections go silent. */
  disconnect(): Promise<void>;
  /** Puts it back at the same address. */
  reconnect(): Promise<void>;
  /** Limits what the node sends (tc tbf in its namespace). Needs root, nsenter and tc on the host. */
  throttle(limit: faults.ThrottleOptions): Promise<void>;
  unthrottle(): Promise<void>;
}

const DEFAULT_READY_TIMEOUT_MS = 20_000;

export class DockerRuntime {
  readonly docker: Docker;
  readonly runId: string;
  readonly #networks = new Map<string, ScenarioNetwork>();
  #counter = 0;

  private constructor(docker: Docker, runId: string) {
    this.docker = docker;
    this.runId = runId;
  }

  /** Connects to the engine and removes what dead runs left behind. */
  static async open(runId: string): Promise<{ runtime: DockerRuntime; swept: Leftovers }> {
    const docker = new Docker();
    try {
      await docker.ping();
    } catch (err) {
      throw new Error(
        `no Docker engine answers (${(err as Error).message}). Run 'bash ci/setup-docker.sh' (as root it installs and starts one), or set DOCKER_HOST.`,
      );
    }
    const swept = await sweepDeadRuns(docker);
    return { runtime: new DockerRuntime(docker, runId), swept };
  }

  get runLabel(): string {
    return `${LABEL.run}=${this.runId}`;
  }

  async createNetwork(scenario: string): Promise<ScenarioNetwork> {
    const name = `gc-${this.runId}-${++this.#counter}`;
    const spec = {
      Name: name,
      Driver: 'bridge',
      // No way out: scenario traffic stays between the host and the nodes.
      Internal: true,
      CheckDuplicate: true,
      Labels: { ...runLabels(this.runId), [LABEL.scenario]: scenario.slice(0, 200) },
    };
    // Docker gives a node its address back after a disconnect (a partition) only on a network
    // made with an explicit subnet: let the engine pick a free one, then make the network with it.
    for (let attempt = 1; ; attempt++) {
      const probe = await this.docker.createNetwork(spec);
      const picked = (await probe.inspect()).IPAM?.Config?.[0];
      await probe.remove();
      if (!picked?.Gateway || !picked.Subnet)
        throw new Error(`network ${name} has no IPv4 gateway: ${JSON.stringify(picked)}`);
      try {
        const created = await this.docker.createNetwork({
          ...spec,
          IPAM: { Driver: 'default', Config: [{ Subnet: picked.Subnet, Gateway: picked.Gateway }] },
        });
        const info = await created.inspect();
        const network = { name, id: info.Id, gateway: picked.Gateway, subnet: picked.Subnet };
        this.#networks.set(name, network);
        return network;
      } catch (err) {
        // Another run took that subnet in the meantime.
        if (attempt >= 3 || !/overlap/i.test(String(err))) throw err;
      }
    }
  }

  async startNode(network: ScenarioNetwork, spec: NodeSpec): Promise<StartedNode> {
    const readyTimeoutMs = spec.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    let builder = new GenericContainer(spec.image)
      .withName(`${network.name}-${spec.name}`)
      .withNetworkMode(network.name)
      .withLabels({ ...runLabels(this.runId), [LABEL.scenario]: network.name })
      .withCommand(spec.command);
    if (spec.files && spec.files.length > 0) {
      // Copied between create and start, so the servent finds its shares at boot. The owners in
      // the archive are kept as they are; `copyUIDGID` would instead look up the image's user,
      // with a getent our shell-less base does not have.
      builder = builder.withCopyArchivesToContainer([
        { tar: Readable.from(tarArchive(spec.files)), target: '/' },
      ]);
    }
    const container: StartedTestContainer = await builder
      .withWaitStrategy(
        new HandshakeWaitStrategy(network.name, spec.gnutellaPort, spec.name).withStartupTimeout(
          readyTimeoutMs,
        ),
      )
      .withStartupTimeout(readyTimeoutMs)
      .start();
    const ip = container.getIpAddress(network.name);
    const docker = this.docker;
    return {
      name: spec.name,
      containerId: container.getId(),
      ip,
      gnutella: { host: ip, port: spec.gnutellaPort },
      control: spec.controlPort === undefined ? undefined : { host: ip, port: spec.controlPort },
      logs: () => containerLogs(docker, container.getId()),
      stop: async () => {
        await container.stop({ timeout: 5_000, remove: true });
      },
      copyFiles: async (entries) => {
        // The engine answers once the archive is extracted.
        await docker.getContainer(container.getId()).putArchive(tarArchive(entries), { path: '/' });
      },
      readFile: async (path) => {
        const stream = await docker.getContainer(container.getId()).getArchive({ path });
        const chunks: Buffer[] = [];
        for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
        return firstTarFile(Buffer.concat(chunks), path);
      },
      kill: async () => {
        await docker.getContainer(container.getId()).kill({ signal: 'SIGKILL' });
      },
      restart: async () => {
        const handle = docker.getContainer(container.getId());
        await handle.start();
        const info = await handle.inspect();
        const address = info.NetworkSettings.Networks[network.name]?.IPAddress;
        if (address !== ip) throw new Error(`node ${spec.name} came back at ${address}, not ${ip}`);
        await waitForHandshake(ip, spec.gnutellaPort, readyTimeoutMs, `node ${spec.name}`);
      },
      firewall: async () => {
        const info = await docker.getContainer(container.getId()).inspect();
        await run('nsenter', [
          '--target',
          String(info.State.Pid),
          '--net',
          'iptables',
          '-A',
          'INPUT',
          '-p',
          'tcp',
          '--dport',
          String(spec.gnutellaPort),
          '--syn',
          '-j',
          'DROP',
        ]);
      },
      exec: async (command) => {
        const result = await container.exec(command);
        return { exitCode: result.exitCode, output: result.output };
      },
      pause: () => faults.pause(docker, container.getId()),
      unpause: () => faults.unpause(docker, container.getId()),
      disconnect: () => faults.disconnect(docker, network.id, container.getId()),
      reconnect: () => faults.reconnect(docker, network.id, container.getId(), ip),
      throttle: async (limit) =>
        faults.throttle(await faults.containerPid(docker, container.getId()), limit),
      unthrottle: async () =>
        faults.unthrottle(await faults.containerPid(docker, container.getId())),
    };
  }

  /** Logs of every container on a scenario's network, keyed by node name; also of nodes that never became ready. */
  async networkLogs(network: ScenarioNetwork): Promise<Map<string, string>> {
    const containers = await this.#scenarioContainers(network);
    const logs = new Map<string, string>();
    for (const c of containers) {
      const name = (c.Names[0] ?? c.Id).replace(/^\//, '').replace(`${network.name}-`, '');
      logs.set(
        name,
        await containerLogs(this.docker, c.Id).catch((err: Error) => `(no logs: ${err.message})`),
      );
    }
    return logs;
  }

  #scenarioContainers(network: ScenarioNetwork) {
    return this.docker.listContainers({
      all: true,
      filters: JSON.stringify({ label: [this.runLabel, `${LABEL.scenario}=${network.name}`] }),
    });
  }

  /** Removes a scenario's containers and its network. */
  async removeNetwork(network: ScenarioNetwork): Promise<void> {
    const containers = await this.#scenarioContainers(network);
    await Promise.all(
      containers.map((c) =>
        this.docker
          .getContainer(c.Id)
          .remove({ force: true, v: true })
          .catch(() => {}),
      ),
    );
    await this.docker
      .getNetwork(network.id)
      .remove()
      .catch((err: { statusCode?: number }) => {
        if (err.statusCode !== 404) throw err;
      });
    this.#networks.delete(network.name);
  }

  /** Removes everything this run made; returns what was still there. */
  async removeAll(): Promise<Leftovers> {
    return removeLabelled(this.docker, this.runLabel);
  }

  /** What carries this run's label now: empty after a clean run. */
  async leftovers(): Promise<Leftovers> {
    return leftovers(this.docker, this.runLabel);
  }
}

/** testcontainers wait strategy: ready when the node answers a 0.6 handshake on the scenario network. */
class HandshakeWaitStrategy implements WaitStrategy {
  #timeoutMs = DEFAULT_READY_TIMEOUT_MS;
  #timeoutSet = false;

  constructor(
    private readonly network: string,
    private readonly port: number,
    private readonly what: string,
  ) {}

  async waitUntilReady(container: Docker.Container, _ports: BoundPorts): Promise<void> {
    const info = await container.inspect();
    const ip = info.NetworkSettings.Networks[this.network]?.IPAddress;
    if (!ip) throw new Error(`node ${this.what} has no address on network ${this.network}`);
    await waitForHandshake(ip, this.port, this.#timeoutMs, `node ${this.what}`);
  }

  withStartupTimeout(ms: number): this {
    this.#timeoutMs = ms;
    this.#timeoutSet = true;
    return this;
  }

  isStartupTimeoutSet(): boolean {
    return this.#timeoutSet;
  }

  getStartupTimeout(): number {
    return this.#timeoutMs;
  }
}

/** The bytes of the first regular file in a tar archive (what the engine's archive API sends). */
function firstTarFile(tar: Buffer, what: string): Buffer {
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const size = Number.parseInt(header.subarray(124, 136).toString('latin1').trim() || '0', 8);
    const type = String.fromCharCode(header[156]!);
    if (type === '0' || type === '\0') return Buffer.from(tar.subarray(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`no regular file at ${what} in the container`);
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, (error, _stdout, stderr) => {
      if (error)
        reject(new Error(`${command} ${args.join(' ')} failed: ${stderr || error.message}`));
      else resolve();
    });
  });
}

/** A container's stdout and stderr, demultiplexed from Docker's 8-byte frame headers. */
async function containerLogs(docker: Docker, id: string): Promise<string> {
  const raw = (await docker
    .getContainer(id)
    .logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= raw.length) {
    const size = raw.readUInt32BE(at + 4);
    parts.push(raw.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}
