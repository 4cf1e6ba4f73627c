import { cpuPercentOver, memoryBreakdown, processUsage } from './process-usage';

describe('processUsage (/proc)', () => {
  it("reads this process's resident memory, and CPU time that grows with work done", async () => {
    const before = await processUsage(process.pid);
    // 50 ms of CPU time, however long a busy machine takes to give it (a wall-clock loop may get less).
    const start = process.cpuUsage();
    while (process.cpuUsage(start).user < 50_000);
    const after = await processUsage(process.pid);

    expect(before.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(after.cpuMs - before.cpuMs).toBeGreaterThanOrEqual(20);
  });

  it('gives an idle process next to no CPU, as a percentage of one core', async () => {
    const [percent] = await cpuPercentOver([process.pid], 200);
    expect(percent).toBeGreaterThanOrEqual(0);
    expect(percent).toBeLessThan(50);
  });

  it("splits this process's resident memory into its own pages and the file pages it shares, adding up to its RSS", async () => {
    const memory = await memoryBreakdown(process.pid);

    expect(memory.privateBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(memory.sharedBytes).toBeGreaterThanOrEqual(0);
    expect(memory.privateBytes + memory.sharedBytes).toBe(memory.rssBytes);
  });

  it('refuses a pid it cannot read', async () => {
    await expect(processUsage(2 ** 22 + 12_345)).rejects.toThrow();
  });
});
