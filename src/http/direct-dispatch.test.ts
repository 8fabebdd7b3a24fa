import express from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { dispatchDirectly, serverFor, type FrontLayer } from './direct-dispatch.ts';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function serve(app: express.Express, server: Server = app.listen(0, '127.0.0.1')) {
  if (!server.listening) server.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function appWith(front: FrontLayer) {
  const app = express();
  app.disable('x-powered-by');
  dispatchDirectly(app, front);
  return app;
}

describe('dispatchDirectly', () => {
  it('gives the layer the request and response as Express would: helpers, path, query, original URL', async () => {
    const base = await serve(
      appWith((req, res) => {
        res.status(201).json({ path: req.path, query: req.query, originalUrl: req.originalUrl, baseUrl: req.baseUrl, host: req.get('host') !== undefined, same: req.res === res && res.req === req });
      }),
    );
    const res = await fetch(`${base}/api/v1/things?limit=2&a=b`);
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ path: '/api/v1/things', query: { limit: '2', a: 'b' }, originalUrl: '/api/v1/things?limit=2&a=b', baseUrl: '', host: true, same: true });
  });

  it.each([
    ['passed to next', (_req: express.Request, _res: express.Response, next: express.NextFunction) => next(new Error('boom'))],
    ['thrown', () => {
      throw new Error('boom');
    }],
    ['rejected', async () => {
      throw new Error('boom');
    }],
  ])('answers an error %s with the last-resort problem+json, once', async (_how, front) => {
    const base = await serve(appWith(front as FrontLayer));
    const res = await fetch(`${base}/x`);
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ code: 'internal_error', status: 500 });
  });

  it('answers a request the layer passes on unanswered with route_not_found', async () => {
    const base = await serve(appWith((_req, _res, next) => next()));
    const res = await fetch(`${base}/nowhere`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'route_not_found', detail: 'No route GET /nowhere.' });
  });

  it('serverFor: requests and responses carry the Express prototypes from the start (none is changed per request)', async () => {
    const seen: boolean[][] = [];
    const app = appWith((req, res) => {
      seen.push([app.request.isPrototypeOf(req), Object.getPrototypeOf(req) !== app.request, app.response.isPrototypeOf(res), Object.getPrototypeOf(res) !== app.response]);
      res.status(200).json({ path: req.path });
    });
    const direct = await serve(app, serverFor(app));
    expect(await (await fetch(`${direct}/a`)).json()).toEqual({ path: '/a' });
    // Through app.listen the same app still works, its objects given the prototypes per request.
    const plain = await serve(app);
    expect(await (await fetch(`${plain}/b`)).json()).toEqual({ path: '/b' });
    expect(seen).toEqual([
      [true, true, true, true],
      [true, false, true, false],
    ]);
  });

  it('mounted in another app, hands a request it passes on back to it', async () => {
    const outer = express();
    outer.use(appWith((req, res, next) => (req.path === '/mine' ? void res.send('inner') : next())));
    outer.use((_req, res) => void res.send('outer'));
    const base = await serve(outer);
    expect(await (await fetch(`${base}/mine`)).text()).toBe('inner');
    expect(await (await fetch(`${base}/other`)).text()).toBe('outer');
  });
});
