/**
 * Turns a byte stream into lines. Chunks from a pipe or a file split lines anywhere, even inside a
 * UTF-8 character, so bytes are joined before decoding. `\n` and `\r\n` end a line; a bare `\r`
 * (progress bars redrawing one line) ends one too, so each redraw is kept rather than glued into a
 * giant line. A line longer than `maxLineBytes` is cut into parts marked `partial`, never dropped.
 * Invalid UTF-8 becomes U+FFFD instead of failing.
 */

export interface SplitLine {
  text: string;
  /** True for every part but the last of a line longer than the limit. */
  partial: boolean;
}

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

const LF = 0x0a;
const CR = 0x0d;

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** A chunk ended in `\r`: a `\n` starting the next chunk belongs to the same line end. */
  private sawCr = false;

  constructor(private readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES) {}

  push(chunk: Buffer): SplitLine[] {
    const out: SplitLine[] = [];
    let start = 0;
    if (this.sawCr && chunk.length > 0 && chunk[0] === LF) start = 1;
    this.sawCr = false;
    // Line ends found with indexOf (memchr), not a loop over every byte in JS.
    let lf = chunk.indexOf(LF, start);
    let cr = chunk.indexOf(CR, start);
    while (lf !== -1 || cr !== -1) {
      const i = cr === -1 || (lf !== -1 && lf < cr) ? lf : cr;
      if (this.pendingBytes === 0 && i - start <= this.maxLineBytes) {
        // The common case: a whole line inside this chunk, decoded straight from it.
        out.push({ text: chunk.toString('utf8', start, i), partial: false });
      } else {
        this.take(chunk.subarray(start, i), out);
        out.push(this.line(false));
      }
      start = i + 1;
      if (i === cr) {
        if (start < chunk.length && chunk[start] === LF) start++;
        else if (start === chunk.length) this.sawCr = true;
        cr = chunk.indexOf(CR, start);
      }
      if (lf !== -1 && lf < start) lf = chunk.indexOf(LF, start);
    }
    this.take(chunk.subarray(start), out);
    return out;
  }

  /** The unterminated rest, if any (at end of stream). */
  flush(): SplitLine[] {
    return this.pendingBytes > 0 ? [this.line(false)] : [];
  }

  /** The last chunk ended in `\r`: a `\n` opening the next one is part of that line end. */
  get pendingCr(): boolean {
    return this.sawCr;
  }

  /** Bytes held for an unterminated line. */
  get buffered(): number {
    return this.pendingBytes;
  }

  private take(bytes: Buffer, out: SplitLine[]): void {
    let rest = bytes;
    while (this.pendingBytes + rest.length > this.maxLineBytes) {
      const room = this.maxLineBytes - this.pendingBytes;
      const cut = utf8Boundary(rest, room);
      this.append(rest.subarray(0, cut));
      out.push(this.line(true));
      rest = rest.subarray(cut);
    }
    this.append(rest);
  }

  /** Held bytes are copied: callers may reuse their chunk (the file tailer reads into one buffer). */
  private append(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.pending.push(Buffer.from(bytes));
    this.pendingBytes += bytes.length;
  }

  private line(partial: boolean): SplitLine {
    const bytes = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    // Buffer's decoder replaces invalid UTF-8 with U+FFFD like TextDecoder, and is quicker on short lines.
    return { text: bytes.toString('utf8'), partial };
  }
}

/** The largest cut ≤ `limit` that does not split a UTF-8 character (when there is one nearby). */
function utf8Boundary(bytes: Buffer, limit: number): number {
  let cut = Math.max(1, limit);
  // Continuation bytes look like 10xxxxxx; step back at most 3 to a character start.
  for (let back = 0; back < 3 && cut > 1 && cut < bytes.length && (bytes[cut]! & 0xc0) === 0x80; back++) cut--;
  return cut;
}
