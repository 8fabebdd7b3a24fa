import { describe, expect, it } from 'vitest';
import { addDuration, DurationError, parseDuration } from './duration.ts';

const at = (iso: string) => Date.parse(iso);
const FROM = '2026-01-31T12:00:00.000Z';

describe('ISO 8601 durations for the clock', () => {
  it.each([
    // Fixed lengths: weeks are 7 days, days 24 hours.
    ['PT1S', FROM, '2026-01-31T12:00:01.000Z'],
    ['PT1.5S', FROM, '2026-01-31T12:00:01.500Z'],
    ['PT0,25S', FROM, '2026-01-31T12:00:00.250Z'],
    ['PT30M', FROM, '2026-01-31T12:30:00.000Z'],
    ['PT2H30M', FROM, '2026-01-31T14:30:00.000Z'],
    ['PT36H', FROM, '2026-02-02T00:00:00.000Z'],
    ['P1D', FROM, '2026-02-01T12:00:00.000Z'],
    ['P1DT2H', FROM, '2026-02-01T14:00:00.000Z'],
    ['P1W', FROM, '2026-02-07T12:00:00.000Z'],
    ['P2W3D', FROM, '2026-02-17T12:00:00.000Z'],
    ['P31D', FROM, '2026-03-03T12:00:00.000Z'],
    ['P0D', FROM, FROM],
    // Calendar months and years: the same day of the month, or the month's last day.
    ['P1M', FROM, '2026-02-28T12:00:00.000Z'],
    ['P1M', '2028-01-31T12:00:00.000Z', '2028-02-29T12:00:00.000Z'],
    ['P1M', '2026-03-15T08:00:00.000Z', '2026-04-15T08:00:00.000Z'],
    ['P2M', FROM, '2026-03-31T12:00:00.000Z'],
    ['P12M', FROM, '2027-01-31T12:00:00.000Z'],
    ['P13M', '2026-12-15T00:00:00.000Z', '2028-01-15T00:00:00.000Z'],
    ['P1Y', '2028-02-29T00:00:00.000Z', '2029-02-28T00:00:00.000Z'],
    ['P1Y2M3DT4H5M6S', FROM, '2027-04-03T16:05:06.000Z'],
    // The calendar part first, then the days: Jan 31 + P1M1D is Mar 1, not Mar 3.
    ['P1M1D', FROM, '2026-03-01T12:00:00.000Z'],
  ])('%s after %s is %s', (text, from, to) => {
    expect(new Date(addDuration(at(from), parseDuration(text))).toISOString()).toBe(to);
  });

  it.each(['', 'P', 'PT', 'P1DT', 'T1H', '1D', 'P1H', 'PT1D', 'P1.5D', 'PT1.5H', 'PT1.2345S', '-P1D', 'P-1D', 'P1D2M', 'P1M1Y', 'p1d', 'P1 D', 'P1DT1H ', ' P1D', 'P1W1W'])(
    'refuses %j with one sentence',
    (text) => {
      expect(() => parseDuration(text)).toThrow(DurationError);
      expect(() => parseDuration(text)).toThrow(/^is not an ISO 8601 duration such as P1Y, P1M, P1W, P31D, P1DT2H or PT30M/);
    },
  );

  it('says that the clock only moves forward', () => {
    expect(() => parseDuration('-P1D')).toThrow(/only moves forward/);
  });

  it('is NaN beyond what a date can hold, so the range check refuses it', () => {
    expect(addDuration(at(FROM), parseDuration('P999999999999Y'))).toBeNaN();
  });
});
