import net from 'node:net';

/**
 * Keeps unit tests off the network: every TCP or TLS connection (http, https, fetch, the SDK's
 * streams and event posts all end in `net.Socket.prototype.connect`) to anything but a loopback
 * address or `localhost` throws before a packet or a DNS query leaves. Unix sockets are allowed.
 *
 * The throw alone is not enough: the LaunchDarkly SDK catches a failed event post and hands it only
 * to a flush callback (a failed diagnostic post: to nothing at all). So each attempt is also
 * recorded, and the unit project's setup (unit-test-setup.ts) fails the test during which one was
 * made.
 */

export interface BlockedConnection {
  /** `host:port` as the caller asked for it. */
  readonly destination: string;
  /** Where the connection was attempted from. */
  readonly stack: string;
}

const loopback = new net.BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** `127.x.x.x`, `::1` (also `[::1]` and IPv4-mapped `::ffff:127.0.0.1`) and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  switch (net.isIP(bare)) {
    case 4:
      return loopback.check(bare, 'ipv4');
    case 6:
      return loopback.check(bare, 'ipv6');
    default:
      // Any other name would need a DNS lookup, whose answer a test cannot vouch for.
      return bare.toLowerCase() === 'localhost';
  }
}

interface ConnectTarget {
  readonly host?: unknown;
  readonly port?: unknown;
  readonly path?: unknown;
}

/**
 * Where a `connect(...)` call goes, for each form Node accepts: `(options)`, `(port, host)`,
 * `(path)`, and `net.connect`'s pre-normalized `([options, callback])`. Node's default host is
 * `localhost`; undefined means a Unix socket.
 */
function targetOf(args: readonly unknown[]): { host: string; port: string } | undefined {
  const [first, second] = args;
  const options: unknown = Array.isArray(first) ? first[0] : first;
  if (typeof options === 'object' && options !== null) {
    const { host, port, path } = options as ConnectTarget;
    if (path) return undefined; // as Node decides: http passes `path: null` for TCP
    return { host: typeof host === 'string' && host !== '' ? host : 'localhost', port: String(port) };
  }
  if (typeof options === 'string' && !/^\d+$/.test(options)) return undefined;
  return { host: typeof second === 'string' ? second : 'localhost', port: String(options) };
}

type Connect = (this: net.Socket, ...args: unknown[]) => net.Socket;

/** The unpatched connect. A jest worker runs many test files, and each one's setup patches it anew. */
const ORIGINAL_CONNECT = Symbol.for('flagfleet.loopback-only.original-connect');
const socketPrototype = net.Socket.prototype as unknown as Record<PropertyKey, unknown> & {
  connect: Connect;
};

/** Patches `net.Socket.prototype.connect`, replacing the patch a previous test file made. */
export function allowLoopbackOnly(onBlocked: (blocked: BlockedConnection) => void): void {
  const original = (socketPrototype[ORIGINAL_CONNECT] as Connect | undefined) ?? socketPrototype.connect;
  socketPrototype[ORIGINAL_CONNECT] = original;
  socketPrototype.connect = function connect(this: net.Socket, ...args: unknown[]): net.Socket {
    const target = targetOf(args);
    if (target !== undefined && !isLoopbackHost(target.host)) {
      const destination = `${target.host}:${target.port}`;
      const error = new Error(
        `unit tests must not use the network: blocked a connection to ${destination}; ` +
          'use TestData, offline mode or the loopback LaunchDarkly double',
      );
      onBlocked({ destination, stack: error.stack ?? error.message });
      throw error;
    }
    return original.apply(this, args);
  };
}
