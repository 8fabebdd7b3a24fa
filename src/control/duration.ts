const PATTERN = /^P(?!$)(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** Milliseconds of an ISO 8601 duration with weeks, days, hours, minutes and seconds (`P31D`, `PT2H30M`). */
export function parseDuration(text: string): number {
  const m = PATTERN.exec(text);
  if (!m) throw new RangeError(`'${text}' is not an ISO 8601 duration such as P31D or PT2H`);
  const [w, d, h, min, s] = m.slice(1).map((v) => Number(v ?? 0));
  return ((((w! * 7 + d!) * 24 + h!) * 60 + min!) * 60 + s!) * 1000;
}
