// A small seeded PRNG (mulberry32), so that a run's generated data follows from its --seed alone.

export type Random = { next(): number; int(min: number, max: number): number; pick<T>(items: readonly T[]): T };

/** FNV-1a of the label, mixed with the seed: each scenario draws its own stream from the same seed. */
function mix(seed: number, label: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (const ch of label) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return h >>> 0;
}

export function seededRandom(seed: number, label: string): Random {
  let state = mix(seed, label);
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** An integer in [min, max], both included. */
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
}
