import { PassThrough } from 'node:stream';

/** A log sink whose JSON lines a test can read back as objects. */
export interface JsonLineCapture {
  readonly sink: PassThrough;
  lines(): Array<Record<string, unknown>>;
  messages(): unknown[];
}

export function captureJsonLines(): JsonLineCapture {
  const sink = new PassThrough();
  const captured: Array<Record<string, unknown>> = [];
  sink.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line !== '') captured.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  return { sink, lines: () => captured, messages: () => captured.map((line) => line.msg) };
}
