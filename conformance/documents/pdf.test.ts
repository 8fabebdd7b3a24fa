import PDFDocument from 'pdfkit';
import { describe, expect, it } from 'vitest';
import { isPdf, pdfText } from './pdf.ts';

function render(lines: string[], compress = true): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', compress });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  doc.on('data', (c: Buffer) => chunks.push(c));
  for (const line of lines) doc.text(line);
  doc.addPage().text('Second page');
  doc.end();
  return done;
}

describe('PDF text extraction', () => {
  it('reads the text of every page, compressed or not', async () => {
    for (const compress of [true, false]) {
      const text = await pdfText(await render(['Invoice INV-2026-0042', 'Total USD 1,234.50'], compress));
      expect(text).toContain('INV-2026-0042');
      expect(text).toContain('USD 1,234.50');
      expect(text).toContain('Second page');
    }
  });

  it('tells a PDF from other bytes by its signature', async () => {
    expect(isPdf(await render(['x']))).toBe(true);
    expect(isPdf(Buffer.from('<!doctype html><p>%PDF-</p>'))).toBe(false);
    expect(isPdf('%PDF-1.7')).toBe(false); // text, not bytes
  });

  it('rejects bytes that only start like a PDF', async () => {
    await expect(pdfText(Buffer.from('%PDF-1.7\nnot a document at all'))).rejects.toThrow();
  });

  it('answers concurrent parses each with its own text', async () => {
    const texts = await Promise.all(['first', 'second', 'third'].map(async (word) => pdfText(await render([`Only ${word}`]))));
    expect(texts.map((t) => /Only (\w+)/.exec(t)?.[1])).toEqual(['first', 'second', 'third']);
  });

  it('leaves the caller its buffer intact', async () => {
    const pdf = await render(['Kept']);
    const copy = Buffer.from(pdf);
    await pdfText(pdf);
    expect(pdf.equals(copy)).toBe(true);
  });
});
