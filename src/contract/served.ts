/** At most this many server URLs are kept rendered (a Host header can vary per request). */
const MAX_RENDERED = 16;

/** A Host header that is a plain host name or IP literal with an optional port, nothing else. */
const HOST_HEADER = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/** `http(s)://<host>` from a request's Host header, or undefined when the header is missing or not a plain host. */
export function originOfHost(protocol: string, host: string | undefined): string | undefined {
  return host && host.length <= 260 && HOST_HEADER.test(host) ? `${protocol}://${host.toLowerCase()}` : undefined;
}

/**
 * The bundled contract as served: its first `servers` entry names the server it is served from,
 * so that clients generated or pointed at /openapi.json reach this server, not the default port.
 */
export class ServedContract {
  private readonly rendered = new Map<string, { json: Buffer; yaml: Buffer }>();
  private readonly defaultUrl: string;

  constructor(
    private readonly json: string,
    private readonly yaml: string,
  ) {
    this.defaultUrl = (JSON.parse(json) as { servers: Array<{ url: string }> }).servers[0]!.url;
  }

  /** The contract with `servers[0].url` set to serverUrl, as JSON and as YAML. */
  for(serverUrl: string): { json: Buffer; yaml: Buffer } {
    let out = this.rendered.get(serverUrl);
    if (out) return out;
    const doc = JSON.parse(this.json) as { servers: Array<{ url: string }> };
    doc.servers[0]!.url = serverUrl;
    // A text edit keeps the YAML as bundled; a JSON string is a valid YAML scalar whatever the URL holds.
    const block = `\nservers:\n  - url: ${this.defaultUrl}\n`;
    if (!this.yaml.includes(block)) throw new Error('The bundled YAML contract has no servers entry to rewrite');
    const yaml = this.yaml.replace(block, `\nservers:\n  - url: ${JSON.stringify(serverUrl)}\n`);
    out = { json: Buffer.from(JSON.stringify(doc, null, 2) + '\n'), yaml: Buffer.from(yaml) };
    if (this.rendered.size >= MAX_RENDERED) this.rendered.delete(this.rendered.keys().next().value!);
    this.rendered.set(serverUrl, out);
    return out;
  }

  /** The URL the bundled contract names (the default listen address). */
  get bundledUrl(): string {
    return this.defaultUrl;
  }
}
