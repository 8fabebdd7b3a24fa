import { invalidInput, type InputRule } from './errors.ts';

/**
 * Exact integer division rounding half away from zero (1.5 → 2, -1.5 → -2).
 * BigInt so quantity × price × rate never loses precision.
 */
export function divRoundHalfAwayFromZero(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new RangeError('Division by zero');
  const q = numerator / denominator; // truncates toward zero
  const r = numerator % denominator; // same sign as numerator
  const absR = r < 0n ? -r : r;
  const absD = denominator < 0n ? -denominator : denominator;
  if (absR * 2n < absD) return q;
  const negative = numerator < 0n !== denominator < 0n;
  return negative ? q - 1n : q + 1n;
}

export type MilliErrorCode = InputRule;

// Matches everything String(number) can produce for a finite number,
// including exponent forms such as "1e-7" or "1.5e+21".
const NUMBER_TEXT = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/;

/**
 * Decimal with at most 3 decimals → integer thousandths, exactly.
 * Uses the shortest round-trip text of the number (String(x)) instead of
 * x * 1000, which would turn e.g. 1.005 into 1004.9999….
 */
export function toMilli(x: number, code: MilliErrorCode = 'invalid_quantity', field?: string): bigint {
  const fail = (why: string): never => {
    throw invalidInput(code, field, `${field ?? 'value'} ${why}, got ${x}`, {
      ...(field === undefined ? {} : { field }),
      value: x,
    });
  };
  if (typeof x !== 'number' || !Number.isFinite(x)) return fail('must be a finite number');
  const m = NUMBER_TEXT.exec(String(x));
  if (!m) return fail('is not a decimal number');
  const [, sign, int = '', frac = '', expText = '0'] = m;
  // value = digits × 10^(-scale)
  const scale = frac.length - Number(expText);
  if (scale > 3) return fail('must have at most 3 decimals');
  const milli = BigInt(int + frac) * 10n ** BigInt(3 - scale);
  return sign === '-' ? -milli : milli;
}

/**
 * BigInt → number, refusing anything JSON clients could not hold exactly.
 * With a rule the overflow is the caller's input (a Refusal), else a RangeError.
 */
export function toSafeNumber(value: bigint, what: string, code?: InputRule): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    const message = `${what} exceeds Number.MAX_SAFE_INTEGER`;
    if (code) throw invalidInput(code, what, message, { field: what });
    throw new RangeError(message);
  }
  return Number(value) + 0;
}
