import http from 'node:http';

export interface InstanceReply {
  readonly servedBy: string;
  readonly status: number;
  readonly body: unknown;
}

function getOnce(url: string, headers: Readonly<Record<string, string>>): Promise<InstanceReply> {
  return new Promise((resolve, reject) => {
    // A fresh connection per request: PM2's cluster master hands each new connection to the next
    // worker in turn, so successive requests walk through every instance.
    const request = http.get(url, { headers, agent: false }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      response.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: keep the text
        }
        resolve({
          servedBy: String(response.headers['x-served-by'] ?? '?'),
          status: response.statusCode ?? 0,
          body,
        });
      });
    });
    request.setTimeout(5_000, () => request.destroy(new Error(`no answer from ${url} within 5 s`)));
    request.on('error', reject);
  });
}

/**
 * One reply from each of `instances` instances behind `url` (told apart by `X-Served-By`). Throws
 * if they do not all answer within `maxRequests` requests.
 */
export async function replyFromEachInstance(
  url: string,
  instances: number,
  headers: Readonly<Record<string, string>> = {},
  maxRequests = instances * 20,
): Promise<Map<string, InstanceReply>> {
  const replies = new Map<string, InstanceReply>();
  for (let sent = 0; replies.size < instances; sent += 1) {
    if (sent >= maxRequests) {
      throw new Error(`only ${[...replies.keys()].join(', ')} answered ${url} in ${maxRequests} requests`);
    }
    const reply = await getOnce(url, headers);
    replies.set(reply.servedBy, reply);
  }
  return replies;
}
