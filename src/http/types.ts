import type { Request } from 'express';
import type { Readable } from 'node:stream';
import type { OperationEntry } from '../contract/load.ts';
import type { operations } from '../generated/api-types.ts';
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

/** The contract's operationIds, from the generated types. */
export type OperationId = keyof operations;

/**
 * A handler for each of the operations K (by default every operation of the contract): keyed by
 * the generated `operations` type, so an operation added to the contract without a handler fails
 * to compile where the app composes the registry. The string index is the pipeline's lookup by
 * the operationId of a matched route.
 */
export type HandlerRegistry<K extends OperationId = OperationId> = { readonly [P in K]: Handler } & { readonly [operationId: string]: Handler | undefined };

/** What the pipeline looks handlers up in: any contract's operationIds (the API's, or the control API's). */
export type HandlerLookup = { readonly [operationId: string]: Handler | undefined };

/** Some of the handlers, by operationId: a module's share, checked with `satisfies`. */
export type SomeHandlers = { readonly [P in OperationId]?: Handler };
