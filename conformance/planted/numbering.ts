import { json, withJson, type PlantedDefect } from '../broken-server.test-helper.ts';

const isCreate = (method: string, path: string) => method === 'POST' && path === '/api/v1/invoices';

export const NUMBERING_DEFECTS: PlantedDefect[] = [
  {
    name: 'a next-number preview one ahead of what the create gets',
    checks: ['numbering'],
    include: ['previewNextInvoiceNumber', 'createInvoice', 'createCustomer'],
    only: ['numbering'],
    breakage: { response: (req, a) => (req.method === 'GET' && req.path.endsWith('/next-number') && a.status === 200 ? withJson(a, { ...json(a), number: json(a).number.replace(/\d+$/, (d: string) => String(Number(d) + 1).padStart(d.length, '0')) }) : a) },
  },
  {
    name: 'concurrent creates that share a number',
    checks: ['numbering'],
    include: ['previewNextInvoiceNumber', 'createInvoice', 'createCustomer'],
    only: ['numbering'],
    breakage: {
      // Every create after the first two reports the number of the second: what a read-then-write race gives.
      response: (() => {
        const seen: string[] = [];
        return (req, a) => {
          if (!isCreate(req.method, req.path) || a.status !== 201) return a;
          const body = json(a);
          seen.push(body.number);
          return seen.length > 2 ? withJson(a, { ...body, number: seen[1] }) : a;
        };
      })(),
    },
  },
];
