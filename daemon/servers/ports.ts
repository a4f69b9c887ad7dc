/**
 * Port allocation. A port counts as free only if both 127.0.0.1 and the IPv6 wildcard can bind it,
 * since servers listen on either; ports handed to live servers are skipped even while they start.
 */
import * as net from 'node:net';

export interface PortRange {
  from: number;
  to: number;
}

export const DEFAULT_PORT_RANGE: PortRange = { from: 4111, to: 4200 };

function canBind(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      // No IPv6 on this machine: the IPv4 check alone decides.
      resolve(host === '::' && (err.code === 'EAFNOSUPPORT' || err.code === 'EADDRNOTAVAIL'));
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export async function portFree(port: number): Promise<boolean> {
  return (await canBind(port, '127.0.0.1')) && (await canBind(port, '::'));
}

export class PortInUseError extends Error {
  constructor(readonly port: number, serverName: string) {
    super(`port ${port} for '${serverName}' is already in use by another process; stop that process, or set "port": "auto" in runlens.json`);
  }
}

export async function allocatePort(range: PortRange, taken: ReadonlySet<number>): Promise<number> {
  for (let port = range.from; port <= range.to; port++) {
    if (!taken.has(port) && (await portFree(port))) return port;
  }
  throw new Error(`no free port between ${range.from} and ${range.to}; stop some servers or widen runlens.portRange`);
}
