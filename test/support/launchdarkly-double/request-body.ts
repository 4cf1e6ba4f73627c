import type { IncomingMessage } from 'node:http';
import { gunzipSync } from 'node:zlib';

/** The whole request body as text, gunzipped if the SDK compressed it (`enableEventCompression`). */
export async function readRequestBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  const raw = Buffer.concat(chunks);
  const encoded = request.headers['content-encoding'] === 'gzip';
  return (encoded ? gunzipSync(raw) : raw).toString('utf8');
}

/** `JSON.parse`, or undefined for text that is not JSON. */
export function parseJson(text: string): { readonly value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}
