/** An ISO 8601 duration, by its parts (`P1Y2M3W4DT5H6M7.5S`). */
export type Duration = { years: number; months: number; weeks: number; days: number; hours: number; minutes: number; seconds: number };

// Every part is optional but at least one is given; only seconds may have a fraction (the clock counts milliseconds).
const PATTERN = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:[.,]\d{1,3})?)S)?)?$/;

export const DURATION_EXAMPLES = 'P1Y, P1M, P1W, P31D, P1DT2H or PT30M';

/** A duration the clock cannot move by, with the one sentence that says why. */
export class DurationError extends RangeError {}

export function parseDuration(text: string): Duration {
  const m = PATTERN.exec(text);
  // `P` and `PT` alone match the pattern with no part given.
  if (!m || m.slice(1).every((part) => part === undefined) || text.endsWith('T')) {
    const hint = text.startsWith('-') ? '; the clock only moves forward (freeze it at an earlier instant to go back)' : '';
    throw new DurationError(`is not an ISO 8601 duration such as ${DURATION_EXAMPLES}${hint}`);
  }
  const [years, months, weeks, days, hours, minutes, seconds] = m.slice(1).map((v) => Number((v ?? '0').replace(',', '.')));
  return { years: years!, months: months!, weeks: weeks!, days: days!, hours: hours!, minutes: minutes!, seconds: seconds! };
}

/**
 * The instant `duration` after `fromMs`, in UTC. Years and months are calendar moves (2026-01-31 plus
 * P1M is 2026-02-28: a day past the month's end falls back to its last day, as in java.time and
 * Temporal); weeks are 7 days, days 24 hours. NaN when the result is beyond what a Date can hold.
 */
export function addDuration(fromMs: number, duration: Duration): number {
  const from = new Date(fromMs);
  const totalMonths = from.getUTCMonth() + duration.years * 12 + duration.months;
  const year = from.getUTCFullYear() + Math.floor(totalMonths / 12);
  const month = totalMonths % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const moved = Date.UTC(year, month, Math.min(from.getUTCDate(), lastDay), from.getUTCHours(), from.getUTCMinutes(), from.getUTCSeconds(), from.getUTCMilliseconds());
  // Date.UTC treats years 0–99 as 1900–1999; the clock never shows them (see CLOCK_MIN_MS).
  const exact = ((((duration.weeks * 7 + duration.days) * 24 + duration.hours) * 60 + duration.minutes) * 60 + duration.seconds) * 1000;
  return moved + Math.round(exact);
}

/** The instants the server's clock may show: every date it writes stays a four-digit year, with a day to spare for links and terms. */
export const CLOCK_MIN_MS = Date.parse('1970-01-01T00:00:00.000Z');
export const CLOCK_MAX_MS = Date.parse('9999-12-31T00:00:00.000Z');

export function clockCanShow(ms: number): boolean {
  return Number.isFinite(ms) && ms >= CLOCK_MIN_MS && ms <= CLOCK_MAX_MS;
}
