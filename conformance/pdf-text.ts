/**
 * The text of a PDF, extracted offline with pdf-parse (Mozilla's pdf.js underneath), or why it
 * could not be: a document that does not parse is a finding, never a crash of the runner.
 * Loaded on first use: pdf.js is large, and most runs read no PDF before the scenarios.
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
