import type { Clock, IdGenerator } from '../deps.ts';
import type { Store, TenantSettings } from '../store/types.ts';
import type { CursorCodec } from './pagination.ts';

/** What a service call needs: the tenant it acts for and the injected dependencies. */
export type ServiceContext = {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  cursors: CursorCodec;
  tenant: TenantSettings;
  /** Absolute base URL for links the server hands out (share pages, payment pages). */
  baseUrl: string;
};

export const today = (ctx: Pick<ServiceContext, 'clock'>) => ctx.clock.now().toISOString().slice(0, 10);
export const nowIso = (ctx: Pick<ServiceContext, 'clock'>) => ctx.clock.now().toISOString();
