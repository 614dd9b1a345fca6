import net from 'node:net';

/** Loopback ports: free ones for tests and local stacks, and a clear error for a taken one. */

export class PortInUseError extends Error {
  constructor(
    readonly ip: string,
    readonly port: number,
    reason: string,
  ) {
    super(`port ${ip}:${port} ${reason}`);
    this.name = 'PortInUseError';
  }
}

function listen(port: number, ip: string): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new PortInUseError(ip, port, error.code === 'EADDRINUSE' ? 'is already in use' : `cannot be bound: ${error.message}`)),
    );
    server.listen(port, ip, () => resolve(server));
  });
}

const close = (server: net.Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/** A port nobody listens on at the moment. */
export async function findFreePort(ip = '127.0.0.1'): Promise<number> {
  return (await pickFreePorts(1, { ip }))[0]!;
}

/**
 * `count` distinct ports: basePort, basePort+1, ... when given (each must be free), else ports the
 * kernel picks. Every probe stays open until all are chosen, so no port is handed out twice.
 */
export async function pickFreePorts(count: number, options: { basePort?: number; ip?: string } = {}): Promise<number[]> {
  const ip = options.ip ?? '127.0.0.1';
  const listeners: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) listeners.push(await listen(options.basePort === undefined ? 0 : options.basePort + i, ip));
    return listeners.map((server) => (server.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(listeners.map(close));
  }
}

/** Throws PortInUseError when something listens on ip:port. */
export async function assertPortFree(ip: string, port: number): Promise<void> {
  await close(await listen(port, ip));
}
