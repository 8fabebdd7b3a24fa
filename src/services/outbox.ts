/** A file attached to an outgoing email. */
export type OutboxAttachment = {
  filename: string;
  contentType: string;
  content: Buffer;
};

/** An email the server would have sent. The reference server never talks SMTP: it records messages here. */
export type OutboxMessage = {
  id: string;
  tenant: string;
  invoice_id: string;
  to: string;
  cc: string[];
  subject: string;
  body: string;
  attachments: OutboxAttachment[];
  /** When it was "sent" (from the injected clock). */
  created_at: string;
};

/** Where a durable outbox also keeps its messages (the `--data-dir` database); absent in memory. */
export interface OutboxSink {
  add(message: OutboxMessage): void;
  remove(id: string): void;
  clear(): void;
}

/**
 * The reference server's outbox: every invoice email, oldest first, for tests and users to read.
 * Bounded, so a long-running server does not keep every PDF it ever attached.
 */
export class Outbox {
  private messages: OutboxMessage[] = [];

  constructor(
    private readonly capacity = 1000,
    private readonly sink?: OutboxSink,
  ) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`Outbox capacity must be a positive integer, got ${capacity}`);
  }

  add(message: OutboxMessage): void {
    this.messages.push(message);
    this.sink?.add(message);
    if (this.messages.length > this.capacity) for (const gone of this.messages.splice(0, this.messages.length - this.capacity)) this.sink?.remove(gone.id);
  }

  /** Puts back messages read from the sink at start (not written to it again). */
  load(messages: OutboxMessage[]): void {
    this.messages = messages.slice(-this.capacity);
  }

  /** Every recorded message, oldest first; optionally only one tenant's or one invoice's. */
  list(filter: { tenant?: string; invoice_id?: string } = {}): OutboxMessage[] {
    return this.messages.filter((m) => (filter.tenant === undefined || m.tenant === filter.tenant) && (filter.invoice_id === undefined || m.invoice_id === filter.invoice_id));
  }

  /** The most recent message, if any. */
  last(): OutboxMessage | undefined {
    return this.messages[this.messages.length - 1];
  }

  clear(): void {
    this.messages = [];
    this.sink?.clear();
  }

  get size(): number {
    return this.messages.length;
  }
}
