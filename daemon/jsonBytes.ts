/**
 * JSON written straight into a reused, growable byte buffer. For messages that carry thousands of
 * log lines (segment `lines` records, `logs/lines` notifications), `JSON.stringify` returns a
 * string of many joined pieces that has to be flattened before it can be encoded: 1.9 ms per
 * 2,000 lines here, against 0.4 ms writing each line's text on its own, plain ASCII lines (most of
 * them) copied byte for byte.
 */

/** Printable ASCII but `"` and `\`: goes into a JSON string as it is, one byte a character. */
const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

export class JsonBytes {
  private buf: Buffer;
  /** Bytes written so far. */
  length = 0;

  /** `keep`: a buffer grown past this is replaced by a fresh one of this size at `reset`. */
  constructor(private readonly keep = 1024 * 1024) {
    this.buf = Buffer.allocUnsafe(Math.min(keep, 64 * 1024));
  }

  /** Text that is already JSON (or JSON syntax), as UTF-8. */
  raw(text: string): this {
    this.room(text.length * 3);
    this.length += this.buf.write(text, this.length, 'utf8');
    return this;
  }

  /** A string value, quoted and escaped as JSON.stringify would. */
  string(text: string): this {
    // Worst case: every character escaped as \uXXXX, plus the quotes.
    this.room(text.length * 6 + 2);
    if (PLAIN_ASCII.test(text)) {
      this.buf[this.length++] = 0x22;
      this.length += this.buf.write(text, this.length, 'latin1');
      this.buf[this.length++] = 0x22;
    } else {
      this.length += this.buf.write(JSON.stringify(text), this.length, 'utf8');
    }
    return this;
  }

  byte(b: number): this {
    this.room(1);
    this.buf[this.length++] = b;
    return this;
  }

  /** The bytes written, as a view of the buffer: valid until the next write or `reset`. */
  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  /** Starts over; one huge message does not pin its buffer for the daemon's lifetime. */
  reset(): void {
    this.length = 0;
    if (this.buf.length > this.keep) this.buf = Buffer.allocUnsafe(this.keep);
  }

  private room(more: number): void {
    if (this.length + more <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.length + more));
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
  }
}
