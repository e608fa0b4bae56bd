/**
 * Faults done to a node from outside (shared/DESIGN.md, "Docker here"): freezing
 * it (docker pause), cutting it off its scenario network and putting it back at
 * the same address (a partition), and limiting what it sends with a token bucket
 * (tc tbf in its network namespace; the kernel here has no netem). Latency, loss
 * and corruption are the fault proxy's job (harness/faults/fault-proxy.ts).
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type Docker from 'dockerode';

export interface ThrottleOptions {
  /** Sustained rate, kbit/s (tc's kbit: 1000 bit/s). */
  rateKbit: number;
  /** Bucket size in bytes; default 20 ms of the rate, at least two full frames. */
  burstBytes?: number;
  /** How long a packet may wait in the bucket before tbf drops it; default 400 ms. */
  latencyMs?: number;
  /** The node's interface on its scenario network; default eth0. */
  device?: string;
}

const DEFAULT_DEVICE = 'eth0';
const DEFAULT_TBF_LATENCY_MS = 400;
/** A bucket smaller than a frame never lets that frame through. */
const MIN_BURST_BYTES = 3_200;

/** Freezes every process in the container; its sockets stay open and the kernel still ACKs. */
export async function pause(docker: Docker, containerId: string): Promise<void> {
  await docker.getContainer(containerId).pause();
}

export async function unpause(docker: Docker, containerId: string): Promise<void> {
  await docker.getContainer(containerId).unpause();
}

/** Takes the container off a network: its interface there goes away, connections go silent. */
export async function disconnect(
  docker: Docker,
  networkId: string,
  containerId: string,
): Promise<void> {
  await docker.getNetwork(networkId).disconnect({ Container: containerId, Force: false });
}

/**
 * Puts the container back on the network with the IPv4 address it had, so
 * peers that know it find it again. Docker pins an address only on a network
 * created with an explicit subnet (IPAM.Config[].Subnet).
 */
export async function reconnect(
  docker: Docker,
  networkId: string,
  containerId: string,
  ip: string,
): Promise<void> {
  try {
    await docker.getNetwork(networkId).connect({
      Container: containerId,
      EndpointConfig: { IPAMConfig: { IPv4Address: ip } },
    });
  } catch (err) {
    const message = (err as Error).message;
    if (/user configured subnets/.test(message))
      throw new Error(
        `cannot put container ${containerId.slice(0, 12)} back at ${ip}: Docker keeps an address only on networks created with a subnet; create the scenario network with IPAM.Config [{ Subnet, Gateway }] (${message})`,
      );
    throw err;
  }
  const info = await docker.getContainer(containerId).inspect();
  const endpoint = Object.values(info.NetworkSettings.Networks).find(
    (n) => n.NetworkID === networkId,
  );
  if (endpoint?.IPAddress !== ip)
    throw new Error(
      `container ${containerId.slice(0, 12)} came back at ${endpoint?.IPAddress || 'no address'}, not ${ip}`,
    );
}

/** The host PID of the container's first process: the handle on its namespaces. */
export async function containerPid(docker: Docker, containerId: string): Promise<number> {
  const info = await docker.getContainer(containerId).inspect();
  if (!info.State.Running || !info.State.Pid)
    throw new Error(`container ${containerId.slice(0, 12)} is not running (${info.State.Status})`);
  return info.State.Pid;
}

/**
 * Limits what the node sends on its interface to `rateKbit` with a token
 * bucket (`tc qdisc replace dev eth0 root tbf ...` in its network namespace).
 * What it receives is not shaped. Replaces an earlier limit.
 */
export async function throttle(pid: number, options: ThrottleOptions): Promise<void> {
  const { rateKbit } = options;
  if (!Number.isFinite(rateKbit) || rateKbit <= 0)
    throw new Error(`throttle: rate must be a positive number of kbit/s, not ${rateKbit}`);
  const bytesPerSecond = (rateKbit * 1000) / 8;
  const burst =
    options.burstBytes ?? Math.max(MIN_BURST_BYTES, Math.ceil((bytesPerSecond * 20) / 1000));
  const latency = options.latencyMs ?? DEFAULT_TBF_LATENCY_MS;
  await inNetns(pid, 'tc', [
    'qdisc',
    'replace',
    'dev',
    options.device ?? DEFAULT_DEVICE,
    'root',
    'tbf',
    'rate',
    `${rateKbit}kbit`,
    'burst',
    String(burst),
    'latency',
    `${latency}ms`,
  ]);
}

/** Removes the limit; a node without one is left as it is. */
export async function unthrottle(pid: number, device = DEFAULT_DEVICE): Promise<void> {
  try {
    await inNetns(pid, 'tc', ['qdisc', 'del', 'dev', device, 'root']);
  } catch (err) {
    // Deleting the default qdisc is refused; there was nothing to undo.
    if (/No such file or directory|Cannot delete qdisc with handle of zero/.test(String(err)))
      return;
    throw err;
  }
}

const TOOLS: Record<string, string> = {
  nsenter: 'install util-linux',
  tc: 'install iproute2: ci/setup-docker.sh does',
};

/** Runs a host tool inside the network namespace of `pid`. Needs root on the host. */
async function inNetns(pid: number, tool: string, args: string[]): Promise<void> {
  const nsenter = findTool('nsenter');
  const binary = findTool(tool);
  await new Promise<void>((resolve, reject) => {
    execFile(
      nsenter,
      ['--target', String(pid), '--net', binary, ...args],
      (error, _stdout, stderr) => {
        if (!error) {
          resolve();
          return;
        }
        const said = stderr.trim() || error.message;
        const hint = /Operation not permitted|Permission denied/.test(said)
          ? ' (entering a network namespace needs root on the host)'
          : '';
        reject(
          new Error(`nsenter --target ${pid} --net ${tool} ${args.join(' ')}: ${said}${hint}`),
        );
      },
    );
  });
}

/** The absolute path of a tool: PATH first, then the sbin directories a non-root PATH lacks. */
function findTool(name: string): string {
  const dirs = [
    ...(process.env.PATH ?? '').split(delimiter).filter(Boolean),
    '/usr/sbin',
    '/sbin',
    '/usr/bin',
    '/bin',
  ];
  for (const dir of dirs) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  throw new Error(`${name} not found on this host: ${TOOLS[name] ?? `install ${name}`}`);
}
