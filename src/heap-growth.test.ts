import { describe, expect, it } from 'vitest';
import { HEAP_GROWTH_FLAG, heapGrowthFlag } from './heap-growth.ts';

describe('heapGrowthFlag', () => {
  it.each([
    [[], '', HEAP_GROWTH_FLAG],
    [['--max-old-space-size=4096'], '--enable-source-maps', HEAP_GROWTH_FLAG],
    [['--heap-growing-percent=30'], '', undefined],
    [[], '--max-old-space-size=2048 --heap_growing_percent=0', undefined],
  ])('execArgv %j, NODE_OPTIONS %j: %s', (execArgv, nodeOptions, expected) => {
    expect(heapGrowthFlag(execArgv, nodeOptions)).toBe(expected);
  });
});
