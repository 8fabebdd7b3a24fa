import cors from 'cors';
import type { Request, Response } from 'express';

export type CorsOptions = {
  /** `*` reflects any origin; a list allows exactly those. */
  origins: '*' | string[];
  exposedHeaders: string[];
  allowedHeaders: string[];
  maxAgeSeconds: number;
};

/**
 * The `cors` package as a step of a larger middleware: sets the headers, and answers a preflight
 * itself (then true). Header lists go in joined once: given arrays, the package joins them again
 * on every request. With fixed options the package calls back synchronously.
 */
export function corsStep(options: CorsOptions): (req: Request, res: Response) => boolean {
  const middleware = cors({
    origin: options.origins === '*' ? true : options.origins,
    exposedHeaders: options.exposedHeaders.join(','),
    allowedHeaders: options.allowedHeaders.join(','),
    maxAge: options.maxAgeSeconds,
  });
  return (req, res) => {
    let passedOn = false;
    middleware(req, res, () => {
      passedOn = true;
    });
    return !passedOn;
  };
}
