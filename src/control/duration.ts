const PATTERN = /^P(?!$)(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** Milliseconds of an ISO 8601 duration with weeks, days, hours, minutes and seconds (`P31D`, `PT2H30M`). */
export function parseDuration(text: string): number {
  const m = PATTERN.exec(text);
  if (!m) throw new RangeError(`'${text}' is not an ISO 8601 duration such as P31D or PT2H`);
  const [w, d, h, min, s] = m.slice(1).map((v) => Number(v ?? 0));
  return ((((w! * 7 + d!) * 24 + h!) * 60 + min!) * 60 + s!) * 1000;
}

/** The instants the server's clock may show: every date it writes stays a four-digit year, with a day to spare for links and terms. */
export const CLOCK_MIN_MS = Date.parse('1970-01-01T00:00:00.000Z');
export const CLOCK_MAX_MS = Date.parse('9999-12-31T00:00:00.000Z');

export function clockCanShow(ms: number): boolean {
  return Number.isFinite(ms) && ms >= CLOCK_MIN_MS && ms <= CLOCK_MAX_MS;
}
