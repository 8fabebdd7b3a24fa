import { Worker } from 'node:worker_threads';

/** True when the bytes open like a PDF file (`%PDF-`, RFC 8118), whatever the Content-Type says. */
export function isPdf(body: unknown): body is Buffer {
  return Buffer.isBuffer(body) && body.subarray(0, 5).toString('latin1') === '%PDF-';
}

/** Longest a server's PDF may take to parse before it counts as unparseable (a hostile file must not hang the run). */
const PARSE_TIMEOUT_MS = 15_000;

type Pending = { resolve: (text: string) => void; reject: (error: Error) => void; timer: NodeJS.Timeout };
let worker: Worker | undefined;
let nextId = 0;
const pending = new Map<number, Pending>();

/** One parsing thread for the process, started on first use (pdf.js with pdf-parse), never keeping the process alive. */
function parser(): Worker {
  if (worker) return worker;
  const started = new Worker(new URL('./pdf-worker.mjs', import.meta.url), { execArgv: [] });
  started.unref();
  started.on('message', ({ id, text, error }: { id: number; text?: string; error?: string }) => {
    const job = pending.get(id);
    if (!job) return;
    pending.delete(id);
    clearTimeout(job.timer);
    if (error !== undefined) job.reject(new Error(error));
    else job.resolve(text ?? '');
  });
  const fail = (error: Error) => {
    if (worker === started) worker = undefined;
    for (const [id, job] of pending) {
      pending.delete(id);
      clearTimeout(job.timer);
      job.reject(error);
    }
  };
  started.on('error', fail);
  started.on('exit', (code) => fail(new Error(`the PDF parser stopped (exit code ${code})`)));
  return (worker = started);
}

/** The text of every page of a PDF, pages joined by newlines; rejects when the bytes do not parse as a PDF. */
export function pdfText(buffer: Buffer | Uint8Array): Promise<string> {
  const thread = parser();
  const id = ++nextId;
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new Error(`the PDF did not parse within ${PARSE_TIMEOUT_MS / 1000} s`));
      void thread.terminate(); // a parse that hangs takes the thread with it; the next call starts another
    }, PARSE_TIMEOUT_MS);
    timer.unref();
    pending.set(id, { resolve, reject, timer });
    // A copy: the caller keeps its buffer, and pdf.js may detach what it is given.
    thread.ref();
    thread.postMessage({ id, data: new Uint8Array(buffer) });
  }).finally(() => {
    if (pending.size === 0) thread.unref();
  });
}

/** The text of a PDF, or why it could not be read: a document that does not parse is a finding, never a crash of the runner. */
export async function extractPdfText(bytes: Buffer): Promise<string | { error: string }> {
  try {
    return await pdfText(bytes);
  } catch (error) {
    return { error: `the PDF does not parse: ${(error as Error).message.slice(0, 200)}` };
  }
}

/** The smallest PDF with one page of text: parsing it loads pdf.js and its worker ahead of need. */
const TINY_PDF = [
  '%PDF-1.4',
  '1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj',
  '2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj',
  '3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 50] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >> endobj',
  '4 0 obj << /Length 35 >> stream\nBT /F1 12 Tf 10 20 Td (warm) Tj ET\nendstream endobj',
  '5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj',
  'trailer << /Root 1 0 R >>',
  '%%EOF',
].join('\n');

/** Starts the parser (pdf.js loads in its thread) while a check's requests are in flight; never fails. */
export function warmUpPdfText(): Promise<void> {
  return pdfText(Buffer.from(TINY_PDF, 'latin1')).then(
    () => undefined,
    () => undefined,
  );
}
