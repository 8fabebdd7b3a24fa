// Express without its router. The server's application has one layer (src/app.ts) and the
// last-resort error handler; Express's router around them (URL parsing, layer matching, a next()
// closure and a restore wrapper per request) cost about 6% of a GET's CPU and only passed the
// request on. Here the application hands every request straight to that layer, after giving the
// request and response what app.handle and the router give them.
import type { Express, NextFunction, Request, Response } from 'express';
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
  const handle: Handle = (req, res, callback) => {
    // What app.handle does before its router runs…
    req.res = res;
    res.req = req;
    Object.setPrototypeOf(req, app.request);
    Object.setPrototypeOf(res, app.response);
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
