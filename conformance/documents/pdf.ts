import { PDFParse } from 'pdf-parse';

/** True when the bytes open like a PDF file (`%PDF-`, RFC 8118), whatever the Content-Type says. */
export function isPdf(body: unknown): body is Buffer {
  return Buffer.isBuffer(body) && body.subarray(0, 5).toString('latin1') === '%PDF-';
}

/** The text of every page of a PDF, pages joined by newlines; rejects when the bytes do not parse as a PDF. */
export async function pdfText(buffer: Buffer | Uint8Array): Promise<string> {
  // pdf.js takes ownership of (and may detach) the array it is given: hand it a copy.
  const parser = new PDFParse({ data: new Uint8Array(buffer), verbosity: 0 });
  try {
    return (await parser.getText()).text;
  } finally {
    await parser.destroy();
  }
}
