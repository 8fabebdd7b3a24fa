import { isAscii } from 'node:buffer';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readConfig } from '../config.ts';
import { startServer } from '../server.ts';
import { asciiJson, escapeNonAscii } from './ascii-json.ts';
import { DATABASE_FILE, keptDatabase, statement } from './sqlite.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const serve = (dataDir: string) => startServer(readConfig({}, { port: '0', rateLimit: '0', seed: '7', preset: 'small', dataDir }));
type Running = Awaited<ReturnType<typeof serve>>;
const contents = (running: Running) => running.store.tenants().map((t) => ({ tenant: t, customers: [...running.store.customers(t.id)], invoices: [...running.store.invoices(t.id)] }));
const TABLES = ['tenants', 'customers', 'invoices'] as const;

describe('asciiJson', () => {
  it('is JSON.stringify with every non-ASCII code unit escaped, and parses back to the same value', () => {
    const value = { name: 'Zoë — Straße 😀', 'clé': ['\u2028', 'plain'], n: 1.5 };
    const text = asciiJson(value);
    expect(text).toMatch(/^[\x00-\x7f]*$/);
    expect(text).toBe(escapeNonAscii(JSON.stringify(value)));
    expect(text).toContain('\\ud83d\\ude00');
    expect(JSON.parse(text)).toStrictEqual(value);
    expect(asciiJson({ a: 'plain' })).toBe('{"a":"plain"}');
  });
});

describe('data directory rows', () => {
  it('are written in ASCII, and rows written before in raw UTF-8 still resume to the same records', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'invoicekit-ascii-'));
    dirs.push(dir);
    const first = await serve(dir);
    const expected = contents(first);
    await first.shutdown(1000);

    const file = path.join(dir, DATABASE_FILE);
    const db = keptDatabase(file);
    let nonAscii = 0;
    for (const table of TABLES) {
      for (const row of statement(db, `SELECT rowid AS id, data FROM ${table}`).all() as Array<{ id: number; data: string }>) {
        expect(isAscii(Buffer.from(row.data, 'utf8'))).toBe(true);
        const raw = JSON.stringify(JSON.parse(row.data));
        if (/[^\x00-\x7f]/.test(raw)) nonAscii++;
        // Back to the older form: the same rows in raw UTF-8.
        statement(db, `UPDATE ${table} SET data = ? WHERE rowid = ?`).run(raw, row.id);
      }
    }
    expect(nonAscii).toBeGreaterThan(0); // the demo data has "—" and accented names: the escapes were really used
    db.close();

    const resumed = await serve(dir);
    expect(resumed.resumed).toBe(true);
    expect(contents(resumed)).toStrictEqual(expected);
    await resumed.shutdown(1000);
  });
});
