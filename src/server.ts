import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.ts';
import type { ServerConfig } from './config.ts';
import { loadDataset, readDataset } from './dataset.ts';
import { ControllableClock, randomIds } from './deps.ts';
import { DEFAULT_CREDIT_NOTE_PATTERN, DEFAULT_INVOICE_PATTERN } from './domain/numbering.ts';
import { ALL_SCOPES, Credentials } from './http/auth.ts';
import { MemoryStore } from './store/memory.ts';

/** Builds the reference server from configuration: store, fixtures, credentials, app. */
export function buildServer(config: ServerConfig) {
  const clock = new ControllableClock();
  const store = new MemoryStore();
  const credentials = new Credentials(clock);
  const fixtures = config.fixtures && existsSync(config.fixtures) ? config.fixtures : null;
  if (config.fixtures && !fixtures && config.fixtures !== 'fixtures/data/default.json') throw new Error(`Fixtures file not found: ${config.fixtures}`);
  if (fixtures) loadDataset(store, credentials, readDataset(fixtures));
  for (const { tenant, key } of config.apiKeys) {
    // A tenant named only in the environment starts empty.
    if (!store.tenant(tenant)) store.putTenant({ id: tenant, name: tenant, invoice_pattern: DEFAULT_INVOICE_PATTERN, credit_note_pattern: DEFAULT_CREDIT_NOTE_PATTERN });
    credentials.addApiKey(tenant, key);
  }
  for (const client of config.oauthClients) {
    if (!store.tenant(client.tenant)) store.putTenant({ id: client.tenant, name: client.tenant, invoice_pattern: DEFAULT_INVOICE_PATTERN, credit_note_pattern: DEFAULT_CREDIT_NOTE_PATTERN });
    credentials.addClient({ ...client, scopes: [...ALL_SCOPES] });
  }
  const built = createApp({ clock, ids: randomIds, store, credentials, settings: config.settings, secret: config.secret });
  return { ...built, clock, store, fixtures };
}

export async function startServer(config: ServerConfig) {
  const built = buildServer(config);
  const server = built.app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return { ...built, server, baseUrl: `http://${host}:${port}` };
}
