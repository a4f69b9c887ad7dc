/**
 * Watches the bytes a peer sends and checks the framing before vscode-jsonrpc buffers them. The
 * reader would otherwise wait forever for a header that never ends, or buffer whatever length a
 * header announces. The guard follows header/body boundaries (it reads headers, then skips the
 * body by count), so a body that happens to contain header-like text is never misread.
 */

export const MAX_HEADER_BYTES = 8 * 1024;

export type FrameViolation = { kind: 'header-too-long' } | { kind: 'bad-header'; header: string } | { kind: 'too-large'; bytes: number };

export class FrameGuard {
  private header = '';
  private bodyLeft = 0;
  private failed = false;

  constructor(private readonly maxMessageBytes: number) {}

  /** Feeds one chunk; returns a violation the first time the stream breaks the framing rules. */
  push(chunk: Buffer): FrameViolation | undefined {
    if (this.failed) return undefined;
    let at = 0;
    while (at < chunk.length) {
      if (this.bodyLeft > 0) {
        const take = Math.min(this.bodyLeft, chunk.length - at);
        this.bodyLeft -= take;
        at += take;
        continue;
      }
      const end = chunk.indexOf('\r\n\r\n', at, 'latin1');
      const upto = end === -1 ? chunk.length : end + 4;
      this.header += chunk.toString('latin1', at, upto);
      at = upto;
      // A terminator split across chunks shows up only in the joined text.
      const done = this.header.indexOf('\r\n\r\n');
      if (done === -1) {
        if (this.header.length > MAX_HEADER_BYTES) return this.fail({ kind: 'header-too-long' });
        continue;
      }
      // Bytes after a terminator found in the joined text belong to the body.
      const overflow = this.header.length - (done + 4);
      const violation = this.startBody(this.header.slice(0, done));
      if (violation) return this.fail(violation);
      this.header = '';
      if (overflow > 0) at -= overflow;
    }
    return undefined;
  }

  private startBody(header: string): FrameViolation | undefined {
    const match = /(?:^|\r\n)Content-Length:\s*(\d+)\s*(?:\r\n|$)/i.exec(header);
    if (!match) return { kind: 'bad-header', header: header.slice(0, 80) };
    const bytes = Number(match[1]);
    if (bytes > this.maxMessageBytes) return { kind: 'too-large', bytes };
    this.bodyLeft = bytes;
    return undefined;
  }

  private fail(v: FrameViolation): FrameViolation {
    this.failed = true;
    return v;
  }
}

export function describeViolation(v: FrameViolation, maxMessageBytes: number): string {
  switch (v.kind) {
    case 'header-too-long':
      return `sent ${MAX_HEADER_BYTES} bytes without a complete JSON-RPC header`;
    case 'bad-header':
      return `sent a header without Content-Length (${JSON.stringify(v.header)})`;
    case 'too-large':
      return `announced a message of ${v.bytes} bytes, over the ${maxMessageBytes}-byte limit`;
  }
}
