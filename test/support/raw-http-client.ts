import net from 'node:net';

/**
 * A client on a bare socket, for what an HTTP client library hides: a body sent in parts, the
 * order of writes and answer, a reset.
 */
export interface RawClient {
  readonly socket: net.Socket;
  /** Everything the server sent so far. */
  received: () => string;
  /** Resolves when the server has answered and closed (FIN), with any socket error seen on the way. */
  readonly closed: Promise<{ error: string | undefined }>;
}

/** Connects to a loopback port and records what comes back. */
export async function connect(port: number): Promise<RawClient> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let text = '';
  let error: string | undefined;
  socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  socket.on('error', (thrown: NodeJS.ErrnoException) => (error = thrown.code ?? thrown.message));
  const closed = new Promise<{ error: string | undefined }>((resolve) =>
    socket.once('close', () => resolve({ error })),
  );
  return { socket, received: () => text, closed };
}

/** The head of a JSON POST from a client that sends one request per connection (`Connection: close`). */
export function postHead(
  contentLength: number,
  path = '/quotes',
  headers: Readonly<Record<string, string>> = {},
): string {
  return [
    `POST ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Connection: close',
    'Content-Type: application/json',
    `Content-Length: ${contentLength}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    '',
    '',
  ].join('\r\n');
}

/** Resolves once `data` is handed to the OS; rejects on a write error (EPIPE, ECONNRESET). */
export const written = (socket: net.Socket, data: string | Buffer): Promise<void> =>
  new Promise((resolve, reject) => socket.write(data, (error) => (error ? reject(error) : resolve())));
