import { assertSupportedNode, unsupportedNodeReason } from './supported-node';

describe('unsupportedNodeReason', () => {
  it.each(['v22.23.3', 'v24.21.0', 'v26.12.1', 'v27.0.0', 'v28.1.0-pre'])(
    '%s is supported: no reason',
    (version) => {
      expect(unsupportedNodeReason(version)).toBeUndefined();
    },
  );

  it('Node 20 is refused with the date it ended, the supported lines, and what to do', () => {
    const reason = unsupportedNodeReason('v20.20.2');

    expect(reason).toMatch(/^Node\.js v20\.20\.2 is end-of-life since 2026-04-30 and gets no security fixes/);
    expect(reason).toContain('Node.js 22 or later (24 LTS recommended)');
    expect(reason).toContain('node_modules/.bin/node');
    expect(reason).toContain('pm2 update');
  });

  it.each([
    ['v18.20.8', '2025-04-30'],
    ['v21.7.3', '2024-06-01'],
    ['v23.11.1', '2025-06-01'],
    ['v25.9.0', '2026-06-01'],
  ])('%s, an ended line, is refused (ended %s)', (version, date) => {
    expect(unsupportedNodeReason(version)).toContain(`end-of-life since ${date}`);
  });

  it('a line older than any it knows is refused as end-of-life', () => {
    expect(unsupportedNodeReason('v12.22.12')).toMatch(/^Node\.js v12\.22\.12 is end-of-life and/);
  });

  it('a version it cannot read is refused, naming it', () => {
    expect(unsupportedNodeReason('unknown')).toMatch(
      /^cannot tell which Node\.js this is \(version "unknown"\)/,
    );
  });
});

describe('assertSupportedNode', () => {
  it('throws the reason on an end-of-life Node, and passes the Node running these tests', () => {
    expect(() => assertSupportedNode('v20.20.2')).toThrow(/end-of-life since 2026-04-30/);
    expect(() => assertSupportedNode()).not.toThrow();
  });
});
