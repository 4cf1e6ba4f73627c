import { fleetFlags } from '../../test/support/fleet-flags';
import { malformedPayloads, patchEvent, putEvent } from '../../test/support/launchdarkly-double';
import { checkAllData, checkFlag, checkStreamEvent, MAX_VALUE_DEPTH } from './flag-data-schema';

const flags = fleetFlags();
const catalogSort = flags.find((flag) => flag.key === 'catalog-sort')!;

describe('checkStreamEvent', () => {
  it('accepts what LaunchDarkly sends: put, patch and delete of flags and segments, nulls for absent fields', () => {
    const allData = { flags: Object.fromEntries(flags.map((flag) => [flag.key, flag])), segments: {} };
    expect(checkStreamEvent('put', putEvent(allData).data)).toEqual({ ok: true });
    expect(checkStreamEvent('put', JSON.stringify({ data: { flags: {} } }))).toEqual({ ok: true });
    expect(checkStreamEvent('patch', patchEvent(catalogSort).data)).toEqual({ ok: true });
    // As LaunchDarkly serialises an off flag with no off variation, and a tombstone.
    const withNulls = { ...catalogSort, offVariation: null, debugEventsUntilDate: null, salt: null };
    expect(checkFlag(withNulls, 'flag')).toEqual({ ok: true });
    expect(checkFlag({ key: 'gone', version: 9, deleted: true }, 'flag')).toEqual({ ok: true });
    const segment = { key: 's', version: 1, included: ['u1'], rules: [], generation: null };
    expect(checkStreamEvent('patch', JSON.stringify({ path: '/segments/s', data: segment }))).toEqual({
      ok: true,
    });
    expect(checkStreamEvent('delete', JSON.stringify({ path: '/flags/x', version: 3 }))).toEqual({
      ok: true,
    });
  });

  // One test per shape of the generated corpus (test/support/launchdarkly-double/malformed-payloads.ts).
  it.each(malformedPayloads(catalogSort).map((payload) => [payload.description, payload.event] as const))(
    'refuses %s, saying where the problem is',
    (_, event) => {
      const checked = checkStreamEvent(event.name, event.data);
      expect(checked).toEqual({ ok: false, problem: expect.any(String) });
    },
  );

  it('names the field and what is wrong with it', () => {
    const put = putEvent({ flags: { 'catalog-sort': { ...catalogSort, on: 'yes' } as never }, segments: {} });
    expect(checkStreamEvent('put', put.data)).toEqual({
      ok: false,
      problem: expect.stringMatching(/^flags\.catalog-sort\.on: .*boolean/),
    });
    const rules = [{ ...catalogSort.rules[0]!, variation: 7 }];
    expect(checkFlag({ ...catalogSort, rules }, 'data')).toEqual({
      ok: false,
      problem: 'data.rules.0.variation: variation 7 does not exist (the flag has 3)',
    });
  });

  it(`accepts values nested ${MAX_VALUE_DEPTH} levels deep, not deeper`, () => {
    const nested = (depth: number) => {
      let value: unknown = 1;
      for (let level = 0; level < depth; level += 1) value = { v: value };
      return value;
    };
    const flagWith = (value: unknown) => ({ ...catalogSort, variations: [value, 'b', 'c'] });
    expect(checkFlag(flagWith(nested(MAX_VALUE_DEPTH - 1)), 'f')).toEqual({ ok: true });
    expect(checkFlag(flagWith(nested(MAX_VALUE_DEPTH + 1)), 'f')).toMatchObject({ ok: false });
  });

  it('checks a flag file data set the same way', () => {
    expect(checkAllData({ flags: {}, segments: {} })).toEqual({ ok: true });
    expect(checkAllData({ flags: { a: { key: 'a', version: 1, on: true } } })).toMatchObject({ ok: false });
  });
});
