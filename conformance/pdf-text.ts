/**
 * The text of a PDF, extracted offline with pdf-parse (Mozilla's pdf.js underneath), or why it
 * could not be: a document that does not parse is a finding, never a crash of the runner.
 * pdf.js is loaded on first use (it is large, and most runs read no PDF before the scenarios).
 */
export async function extractPdfText(bytes: Buffer): Promise<string | { error: string }> {
  const { PDFParse } = await import('pdf-parse');
  let parser: InstanceType<typeof PDFParse> | undefined;
  try {
    parser = new PDFParse({ data: new Uint8Array(bytes) });
    return (await parser.getText()).text;
  } catch (error) {
    return { error: `the PDF does not parse: ${(error as Error).message.slice(0, 200)}` };
  } finally {
    await parser?.destroy().catch(() => undefined);
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

/** Starts loading pdf.js while a check's requests are in flight; never fails. */
export function warmUpPdfText(): Promise<void> {
  return extractPdfText(Buffer.from(TINY_PDF, 'latin1')).then(
    () => undefined,
    () => undefined,
  );
}
