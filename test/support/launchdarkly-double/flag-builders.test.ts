import {
  booleanFlag,
  deleteEvent,
  formatSseEvent,
  jsonFlag,
  numberFlag,
  patchEvent,
  putEvent,
  stringFlag,
  turnedOff,
  withFallthrough,
  withRule,
  withTargets,
} from './index';

describe('flag builders', () => {
  it('build complete flags the SDK accepts: key, version, on, variations, fallthrough, off variation', () => {
    expect(booleanFlag('b', true)).toEqual({
      key: 'b',
      version: 1,
      on: true,
      variations: [false, true],
      fallthrough: { variation: 1 },
      offVariation: 0,
      targets: [],
      rules: [],
      prerequisites: [],
      salt: 'b-salt',
      trackEvents: false,
      trackEventsFallthrough: false,
      clientSide: false,
    });
    expect(booleanFlag('b', false).fallthrough).toEqual({ variation: 0 });
    expect(numberFlag('n', [1, 2, 3], 2)).toMatchObject({
      variations: [1, 2, 3],
      fallthrough: { variation: 2 },
    });
    expect(jsonFlag('j', [{ a: 1 }, null])).toMatchObject({ variations: [{ a: 1 }, null] });
  });

  it('add rules with ids, targets, fallthrough and off state without touching the original', () => {
    const base = stringFlag('s', ['a', 'b', 'c']);
    const ruled = withRule(
      withRule(base, { attribute: 'plan', op: 'in', values: ['pro'] }, 1),
      [
        { attribute: 'country', op: 'in', values: ['fr'] },
        { attribute: 'beta', op: 'in', values: [true], negate: true },
      ],
      2,
    );
    const targeted = withTargets(ruled, ['u1', 'u2'], 2);

    expect(base.rules).toEqual([]);
    expect(targeted.rules.map((rule) => [rule.id, rule.clauses.length, rule.variation])).toEqual([
      ['s-rule-0', 1, 1],
      ['s-rule-1', 2, 2],
    ]);
    expect(targeted.targets).toEqual([{ values: ['u1', 'u2'], variation: 2 }]);
    expect(withFallthrough(base, 2).fallthrough).toEqual({ variation: 2 });
    expect(turnedOff(base, 1)).toMatchObject({ on: false, offVariation: 1 });
  });

  it('refuse variation indexes the SDK would call malformed', () => {
    expect(() => stringFlag('s', ['a'], 1)).toThrow(RangeError);
    expect(() => numberFlag('n', [])).toThrow(RangeError);
    expect(() => withRule(booleanFlag('b', true), { attribute: 'x', op: 'in', values: [] }, 2)).toThrow(
      /out of range/,
    );
    expect(() => withRule(booleanFlag('b', true), [], 1)).toThrow(/at least one clause/);
    expect(() => withTargets(booleanFlag('b', true), ['u'], -1)).toThrow(RangeError);
    expect(() => turnedOff(booleanFlag('b', true), 5)).toThrow(RangeError);
  });
});

describe('stream payloads', () => {
  it('put always carries path "/" and data with flags and segments', () => {
    const event = putEvent({ flags: { b: booleanFlag('b', true) }, segments: {} });

    expect(event.name).toBe('put');
    expect(JSON.parse(event.data)).toEqual({
      path: '/',
      data: { flags: { b: booleanFlag('b', true) }, segments: {} },
    });
  });

  it('patch and delete always carry a /flags/KEY path', () => {
    expect(JSON.parse(patchEvent(booleanFlag('b', true)).data)).toEqual({
      path: '/flags/b',
      data: booleanFlag('b', true),
    });
    expect(JSON.parse(deleteEvent('b', 4).data)).toEqual({ path: '/flags/b', version: 4 });
    expect(() => deleteEvent('', 1)).toThrow(RangeError);
  });

  it('formats one SSE event per blank-line-terminated block, one data line per line', () => {
    expect(formatSseEvent({ name: 'delete', data: '{"a":1}' })).toBe('event: delete\ndata: {"a":1}\n\n');
    expect(formatSseEvent({ name: 'put', data: 'x\ny' })).toBe('event: put\ndata: x\ndata: y\n\n');
  });
});
