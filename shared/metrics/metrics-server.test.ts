import { Counter, Registry } from 'prom-client';

import { createMetricsServer } from './metrics-server';

describe('createMetricsServer', () => {
  it('serves the registry on GET /metrics in the exposition format, 404 elsewhere, and closes', async () => {
    const registry = new Registry();
    new Counter({ name: 'probe_total', help: 'a probe', registers: [registry] }).inc(3);
    const server = createMetricsServer(registry);
    await server.listen(0);
    const base = `http://127.0.0.1:${server.address()!.port}`;
    try {
      const metrics = await fetch(`${base}/metrics`);
      expect(metrics.status).toBe(200);
      expect(metrics.headers.get('content-type')).toBe(registry.contentType);
      expect(await metrics.text()).toContain('probe_total 3');
      expect((await fetch(`${base}/`)).status).toBe(404);
      expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(404);
    } finally {
      await server.close();
    }
    await expect(fetch(`${base}/metrics`)).rejects.toThrow();
    await server.close(); // a second close is harmless
  });
});
