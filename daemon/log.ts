/**
 * The daemon's own log, `daemon.log` in the state dir: one line per event, ISO time, level,
 * message. Written synchronously so the last lines before a crash are on disk; the file is rotated
 * once at start-up when it has grown past a limit.
 */
import * as fs from 'node:fs';

export type Level = 'info' | 'warn' | 'error';

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const ROTATE_BYTES = 5 * 1024 * 1024;

export class FileLogger implements Logger {
  private fd: number;

  constructor(file: string, private readonly echo = false) {
    rotateIfLarge(file);
    this.fd = fs.openSync(file, 'a', 0o600);
  }

  info(message: string): void {
    this.write('info', message);
  }
  warn(message: string): void {
    this.write('warn', message);
  }
  error(message: string): void {
    this.write('error', message);
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  private write(level: Level, message: string): void {
    const line = `${new Date().toISOString()} [${level}] [pid ${process.pid}] ${message}\n`;
    try {
      fs.writeSync(this.fd, line);
    } catch {
      // A full disk must not take the daemon down; the line is lost, the servers are not.
    }
    if (this.echo) process.stderr.write(line);
  }
}

function rotateIfLarge(file: string): void {
  try {
    if (fs.statSync(file).size > ROTATE_BYTES) fs.renameSync(file, `${file}.1`);
  } catch {
    // No log yet.
  }
}
