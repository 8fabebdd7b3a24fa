import type { Request } from 'express';
import type { Readable } from 'node:stream';
import type { OperationEntry } from '../contract/load.ts';
import type { ServiceContext } from '../services/context.ts';
import type { Principal } from './auth.ts';
import type { ValidatedRequest } from './validation.ts';

/** What a handler gets: the validated request and, for authenticated operations, the caller's tenant context. */
export type ApiRequest = {
  entry: OperationEntry;
  input: ValidatedRequest;
  principal: Principal | undefined;
  /** Services bound to the caller's tenant; throws for unauthenticated operations. */
  ctx: () => ServiceContext;
  /** Services bound to any tenant (public pages find the tenant from a token). */
  ctxFor: (tenant: string) => ServiceContext;
  requestId: string;
  raw: Request;
};

export type ApiResponse = {
  status: number;
  body?: unknown;
  /** Defaults to application/json for object bodies. */
  contentType?: string;
  headers?: Record<string, string>;
  /** Streamed bodies (CSV export). */
  stream?: Readable;
};

export type Handler = (req: ApiRequest) => ApiResponse | Promise<ApiResponse>;
export type HandlerRegistry = Partial<Record<string, Handler>>;
