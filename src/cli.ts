import { Command } from 'commander';
import { ConfigError, readConfig } from './config.ts';
import { startServer } from './server.ts';

const program = new Command('invoicekit').description('invoicekit: contract-first toolkit for invoicing APIs');

program
  .command('serve')
  .description('Start the stateful reference server with seeded demo data')
  .option('-p, --port <port>', 'port to listen on (env PORT, default 4010)')
  .option('-H, --host <host>', 'interface to bind (env HOST, default 127.0.0.1)')
  .option('--fixtures <file>', "dataset to load, or 'none' (env INVOICEKIT_FIXTURES, default fixtures/data/default.json)")
  .option('--api-keys <pairs>', 'extra API keys as tenant:key,tenant:key (env INVOICEKIT_API_KEYS)')
  .option('--oauth-clients <triples>', 'OAuth clients as tenant:client_id:secret,... (env INVOICEKIT_OAUTH_CLIENTS)')
  .option('--rate-limit <n>', 'requests per minute per credential, 0 = off (env INVOICEKIT_RATE_LIMIT, default 120)')
  .option('--cors <origins>', "allowed origins: '*', a comma list, or 'off' (env INVOICEKIT_CORS_ORIGINS, default *)")
  .option('--public-url <url>', 'base URL used in links the server hands out (env INVOICEKIT_PUBLIC_URL)')
  .action(async (options: Record<string, string | undefined>) => {
    try {
      const config = readConfig(process.env, {
        port: options.port,
        host: options.host,
        fixtures: options.fixtures,
        apiKeys: options.apiKeys,
        oauthClients: options.oauthClients,
        rateLimit: options.rateLimit,
        cors: options.cors,
        publicUrl: options.publicUrl,
      });
      const running = await startServer(config);
      const tenant = running.store.tenants()[0];
      const key = tenant ? running.credentials.apiKeysOf(tenant.id)[0] : undefined;
      console.log(`invoicekit reference server listening on ${running.baseUrl}`);
      console.log(`  API base URL : ${running.baseUrl}/api/v1`);
      console.log(`  API key      : ${key ?? '(none: set INVOICEKIT_API_KEYS=tenant:key)'}${tenant ? `  (tenant '${tenant.id}')` : ''}`);
      console.log(`  Reference    : ${running.baseUrl}/docs   contract: ${running.baseUrl}/openapi.json`);
      console.log(`  Data         : ${running.fixtures ?? 'empty (no fixtures loaded)'}`);
      if (key) console.log(`  Try          : curl -H 'Authorization: Bearer ${key}' ${running.baseUrl}/api/v1/invoices?limit=2`);
      const stop = () => running.server.close(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    } catch (error) {
      console.error(error instanceof ConfigError ? `invoicekit: ${error.message}` : error);
      process.exit(2);
    }
  });

await program.parseAsync(process.argv);
