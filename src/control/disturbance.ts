import type { Request } from 'express';
import { ApiError } from '../http/problem.ts';
import { seededRandom } from './random.ts';

export type Timing = { fixed_ms?: number; min_ms?: number; max_ms?: number };
export type LatencySettings = Timing & { seed?: number; operations?: Record<string, Timing> };
export type FaultSettings = { rate: number; status?: number; mode?: 'status' | 'drop'; seed?: number; operations?: string[] };
export type DisturbanceSettings = { latency: LatencySettings | null; faults: FaultSettings | null; rate_limit: number };

export type Sleep = (ms: number) => Promise<void>;
const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Latency and faults injected before API handlers run, reproducible from their seeds. */
export class Disturbance {
  private latency: LatencySettings | null = null;
  private faults: FaultSettings | null = null;
  private latencyRandom = seededRandom(0);
  private faultRandom = seededRandom(0);

  constructor(
    private readonly rateLimit: { get: () => number; set: (n: number) => void },
    private readonly sleep: Sleep = realSleep,
  ) {}

  settings(): DisturbanceSettings {
    return {
      latency: this.latency,
      faults: this.faults && { status: 503, mode: 'status', ...this.faults },
      rate_limit: this.rateLimit.get(),
    };
  }

  /** Applies the parts sent; null turns a part off. Seeds restart their sequences. */
  update(patch: Partial<DisturbanceSettings>): DisturbanceSettings {
    if (patch.latency !== undefined) {
      const l = patch.latency;
      if (l && l.min_ms !== undefined && l.max_ms !== undefined && l.min_ms > l.max_ms) {
        throw new ApiError('validation_failed', 'min_ms is above max_ms.', { errors: [{ pointer: '/body/latency/min_ms', message: 'must not exceed max_ms' }] });
      }
      this.latency = l;
      this.latencyRandom = seededRandom(l?.seed ?? 0);
    }
    if (patch.faults !== undefined) {
      this.faults = patch.faults;
      this.faultRandom = seededRandom(patch.faults?.seed ?? 0);
    }
    if (patch.rate_limit !== undefined) this.rateLimit.set(patch.rate_limit);
    return this.settings();
  }

  private delayFor(operationId: string): number {
    if (!this.latency) return 0;
    const timing = this.latency.operations?.[operationId] ?? this.latency;
    if (timing.fixed_ms !== undefined) return timing.fixed_ms;
    if (timing.min_ms !== undefined || timing.max_ms !== undefined) {
      const min = timing.min_ms ?? 0;
      const max = timing.max_ms ?? min;
      return Math.round(min + this.latencyRandom() * (max - min));
    }
    return 0;
  }

  /** The pipeline's beforeHandler hook. */
  readonly beforeHandler = async (req: Request, operationId: string): Promise<void> => {
    const delay = this.delayFor(operationId);
    if (delay > 0) await this.sleep(delay);
    const f = this.faults;
    if (!f || (f.operations && !f.operations.includes(operationId))) return;
    if (this.faultRandom() >= f.rate) return;
    if (f.mode === 'drop') {
      req.socket.destroy();
      throw new ApiError('injected_fault', 'Connection dropped on purpose (fault injection).');
    }
    const status = f.status ?? 503;
    throw new ApiError('injected_fault', `Fault injected on purpose: ${status}.`, { status });
  };
}
