/**
 * Split `total` over `weights` proportionally so the parts sum to exactly
 * `total` (largest-remainder / Hamilton method): floor every share, then hand
 * the leftover units one each to the largest remainders, ties to the earlier
 * index. Deterministic, so a fixed discount never drifts by a cent.
 */
export function allocateLargestRemainder(total: bigint, weights: readonly bigint[]): bigint[] {
  if (total < 0n) throw new RangeError('Cannot allocate a negative total');
  if (weights.some((w) => w < 0n)) throw new RangeError('Weights must be non-negative');
  const sum = weights.reduce((a, w) => a + w, 0n);
  if (sum === 0n) {
    if (total !== 0n) throw new RangeError('Cannot allocate a non-zero total over zero weights');
    return weights.map(() => 0n);
  }

  const shares = weights.map((w) => (w * total) / sum);
  const remainders = weights.map((w, index) => ({ index, rem: (w * total) % sum }));
  let leftover = total - shares.reduce((a, s) => a + s, 0n);

  // Stable order: larger remainder first, earlier line on ties.
  remainders.sort((a, b) => (a.rem === b.rem ? a.index - b.index : a.rem > b.rem ? -1 : 1));
  for (const { index } of remainders) {
    if (leftover === 0n) break;
    shares[index] = (shares[index] ?? 0n) + 1n;
    leftover -= 1n;
  }
  return shares;
}
