// Express without its router. The server's application has one layer (src/app.ts) and the
// last-resort error handler; Express's router around them (URL parsing, layer matching, a next()
// closure and a restore wrapper per request) cost about 6% of a GET's CPU and only passed the
// request on. Here the application hands every request straight to that layer, after giving the
// request and response what app.handle and the router give them.
import type { Express, NextFunction, Request, Response } from 'express';
import { createServer, IncomingMessage, ServerResponse, type Server } from 'node:http';
import { ApiError } from './problem.ts';
import { lastResort, sendProblem } from './security.ts';

export type FrontLayer = (req: Request, res: Response, next: NextFunction) => unknown;

type Handle = (req: Request, res: Response, callback?: (error?: unknown) => void) => void;

/**
 * `app` answers every request as app.use(front) then app.use(lastResort) would: an error that
 * `front` passes on, throws or rejects goes to lastResort; a request it passes on unanswered gets
 * route_not_found as problem+json (or goes back to the enclosing app, when mounted in one).
 */
export function dispatchDirectly(app: Express, front: FrontLayer): void {
  const appRequest = app.request as object;
  const appResponse = app.response as object;
  const handle: Handle = (req, res, callback) => {
    // What app.handle does before its router runs (a request from serverFor's server already has Express's prototypes)…
    req.res = res;
    res.req = req;
    if (!appRequest.isPrototypeOf(req)) Object.setPrototypeOf(req, appRequest);
    if (!appResponse.isPrototypeOf(res)) Object.setPrototypeOf(res, appResponse);
    if (!res.locals) res.locals = Object.create(null);
    // …and what the router sets up for a layer mounted at '/'.
    req.baseUrl ??= '';
    req.originalUrl ??= req.url;
    req.params = {};
    let passedOn = false;
    const next: NextFunction = (error?: unknown) => {
      if (passedOn) return;
      passedOn = true;
      if (error !== undefined && error !== null && error !== 'route' && error !== 'router') return lastResort(error, req, res, () => undefined);
      if (callback) return callback();
      sendProblem(req, res, new ApiError('route_not_found', `No route ${req.method} ${req.path}.`));
    };
    req.next = next;
    try {
      const result = front(req, res, next);
      if (result instanceof Promise) result.catch(next);
    } catch (error) {
      next(error);
    }
  };
  (app as unknown as { handle: Handle }).handle = handle;
}

/**
 * A Node HTTP server for `app` (what app.listen would create) whose requests and responses are
 * made with Express's prototypes already: changing an object's prototype per request, as
 * app.handle does, costs V8 a new hidden class each time.
 */
export function serverFor(app: Express): Server {
  class ExpressRequest extends IncomingMessage {}
  class ExpressResponse<R extends IncomingMessage = IncomingMessage> extends ServerResponse<R> {}
  Object.setPrototypeOf(ExpressRequest.prototype, app.request);
  Object.setPrototypeOf(ExpressResponse.prototype, app.response);
  return createServer({ IncomingMessage: ExpressRequest, ServerResponse: ExpressResponse }, app);
}
