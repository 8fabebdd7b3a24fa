/** Replaces every known secret with the environment variable that holds it, so that reports and reproducers never show one. */
export class Redactor {
  private readonly secrets: Array<{ value: string; placeholder: string }> = [];

  /** Registers a secret; `envName` is what a reproducer should read it from. */
  add(value: string | undefined, envName: string): void {
    // Very short values would blank out ordinary text; no real credential is that short.
    if (!value || value.length < 6 || this.secrets.some((s) => s.value === value)) return;
    this.secrets.push({ value, placeholder: '${' + envName + '}' });
    this.secrets.sort((a, b) => b.value.length - a.value.length);
  }

  redact(text: string): string {
    let out = text;
    for (const { value, placeholder } of this.secrets) if (out.includes(value)) out = out.split(value).join(placeholder);
    // The URL-encoded spelling of a secret (in a query or a form body) is a secret too.
    for (const { value, placeholder } of this.secrets) {
      const encoded = encodeURIComponent(value);
      if (encoded !== value && out.includes(encoded)) out = out.split(encoded).join(placeholder);
    }
    return out;
  }

  redactHeaders(headers: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) out[name] = this.redact(value);
    return out;
  }
}

const PLACEHOLDER = /\$\{INVOICEKIT_CONFORM_[A-Z_]+\}/g;

/** Quotes for a POSIX shell: single quotes, or double quotes where a secret placeholder must expand. */
function shellQuote(text: string): string {
  if (!PLACEHOLDER.test(text)) return `'${text.replace(/'/g, `'\\''`)}'`;
  PLACEHOLDER.lastIndex = 0;
  const parts = text.split(PLACEHOLDER);
  const names = text.match(PLACEHOLDER) ?? [];
  const escape = (s: string) => s.replace(/["\\$`]/g, '\\$&');
  return '"' + parts.map((p, i) => escape(p) + (names[i] ?? '')).join('') + '"';
}

/** A copy-paste `curl` command for a recorded (already redacted) request. */
export function toCurl(request: { method: string; url: string; headers: Record<string, string>; body?: string }): string {
  const args = ['curl', '-sS', '-i', '-X', request.method.toUpperCase()];
  for (const [name, value] of Object.entries(request.headers)) args.push('-H', shellQuote(`${name}: ${value}`));
  if (request.body !== undefined) args.push('--data-binary', bodyArgument(request.body));
  args.push(shellQuote(request.url));
  return args.join(' ');
}

const LONG = 16 * 1024;

/** A body as a curl argument; a huge one made of a long run of one character is rebuilt by the shell, so reports stay small. */
function bodyArgument(body: string): string {
  if (body.length <= LONG) return shellQuote(body);
  const run = /(.)\1{999,}/s.exec(body);
  if (!run || !/^[A-Za-z0-9 ]$/.test(run[1]!)) return shellQuote(`${body.slice(0, LONG)}…(${body.length} bytes, cut)`);
  const head = body.slice(0, run.index);
  const tail = body.slice(run.index + run[0].length);
  return `@<(printf '%s' ${shellQuote(head)}; head -c ${run[0].length} /dev/zero | tr '\\0' '${run[1]}'; printf '%s' ${shellQuote(tail)})`;
}
