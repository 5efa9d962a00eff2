import { createServer, connect, type Server, type Socket } from 'node:net';

export type CutMode = 'refuse' | 'reset' | 'stall' | 'swallow';

export type DatabaseProxy = {
  /** The database URL with its host and port replaced by the proxy's. */
  url: string;
  /**
   * Cuts the database off: open connections are destroyed and new ones are handled per
   * `mode`: `refuse` stops listening (ECONNREFUSED, as when the server is down),
   * `reset` accepts and drops them at once (as a load balancer with no healthy backend does),
   * `stall` accepts them and never answers (a network partition: only timeouts end the wait).
   * `swallow` is a partition that also keeps the open connections: they stay up but carry
   * nothing either way until restore(), which delivers what was held back (as TCP
   * retransmission does when a partition heals); new connections are handled as by `stall`.
   */
  cut(mode?: CutMode): Promise<void>;
  /** Lets connections through again, on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
};

/**
 * A TCP proxy in front of a PostgreSQL server, so a test can take the database away from
 * one app process and give it back, without touching the server the other tests share.
 */
export async function startDatabaseProxy(databaseUrl: string): Promise<DatabaseProxy> {
  const target = new URL(databaseUrl);
  const sockets = new Set<Socket>();
  /** Client side and upstream side of every connection passing traffic, to hold and resume them. */
  const links = new Map<Socket, Socket>();
  let cut: CutMode | undefined;

  const server = createServer((client) => {
    track(client);
    if (cut === 'stall' || cut === 'swallow') return; // held open, silent, until restore() or close() drops it
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = track(connect(Number(target.port || 5432), target.hostname));
    links.set(client, upstream);
    client.pipe(upstream).pipe(client);
    // Either side going away takes the other with it, as a real network failure would.
    client.on('close', () => {
      links.delete(client);
      upstream.destroy();
    });
    upstream.on('close', () => client.destroy());
  });

  /** Nothing passes on the open connections; what their ends send waits in the sockets' buffers. */
  function holdLinks() {
    for (const [client, upstream] of links) {
      client.unpipe(upstream).pause();
      upstream.unpipe(client).pause();
    }
  }

  function resumeLinks() {
    for (const [client, upstream] of links) client.pipe(upstream).pipe(client);
  }

  function track(socket: Socket): Socket {
    sockets.add(socket);
    socket.on('error', () => socket.destroy()); // a reset peer is expected here, not a test failure
    socket.on('close', () => sockets.delete(socket));
    return socket;
  }

  const port = await listen(server, 0);
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);

  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  /** Connections accepted during a stall or swallow never reached the database: the app has given up on them. */
  const dropUnlinked = () => {
    const linked = new Set([...links].flat());
    for (const socket of sockets) if (!linked.has(socket)) socket.destroy();
  };

  return {
    url: url.toString(),
    async cut(mode = 'refuse') {
      cut = mode;
      if (mode === 'swallow') return holdLinks();
      if (mode === 'refuse' && server.listening) await closeServer(server, dropAll);
      dropAll();
    },
    async restore() {
      if (cut === 'swallow') resumeLinks();
      dropUnlinked();
      cut = undefined;
      if (!server.listening) await listen(server, port);
    },
    async close() {
      cut = 'refuse';
      if (server.listening) await closeServer(server, dropAll);
      dropAll();
    },
  };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** Stops listening; `close` waits for open connections, so they are dropped right after asking. */
function closeServer(server: Server, dropAll: () => void): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    dropAll();
  });
}
