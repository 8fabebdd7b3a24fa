// Parses PDFs for conformance/documents/pdf.ts in a worker thread. Plain JavaScript, started
// without the parent's loader flags: under tsx's loader, pdf.js (several MB of modules) takes
// seconds to load; here it takes a fraction of one.
import { parentPort } from 'node:worker_threads';
import { PDFParse } from 'pdf-parse';

parentPort.on('message', async ({ id, data }) => {
  const parser = new PDFParse({ data, verbosity: 0 });
  try {
    parentPort.postMessage({ id, text: (await parser.getText()).text });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error?.message ?? error) });
  } finally {
    await parser.destroy().catch(() => {});
  }
});
