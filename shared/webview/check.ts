/**
 * Run-time checks for messages between a panel and its webview. Both sides receive `unknown` from
 * `postMessage` (a webview runs content we render from telemetry, so the host never trusts it), and
 * each parser either returns a typed message or throws a `MessageError` naming the field.
 */

export class MessageError extends Error {
  constructor(readonly field: string, expected: string) {
    super(`malformed message: '${field}' must be ${expected}`);
  }
}

export type Obj = Record<string, unknown>;

export function obj(value: unknown, field: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MessageError(field, 'an object');
  return value as Obj;
}

export function str(o: Obj, field: string, max = 4096): string {
  const v = o[field];
  if (typeof v !== 'string' || v.length > max) throw new MessageError(field, `a string of at most ${max} characters`);
  return v;
}

export function optStr(o: Obj, field: string, max = 4096): string | undefined {
  return o[field] === undefined ? undefined : str(o, field, max);
}

export function num(o: Obj, field: string): number {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new MessageError(field, 'a finite number');
  return v;
}

export function optNum(o: Obj, field: string): number | undefined {
  return o[field] === undefined ? undefined : num(o, field);
}

export function bool(o: Obj, field: string): boolean {
  const v = o[field];
  if (typeof v !== 'boolean') throw new MessageError(field, 'true or false');
  return v;
}

export function oneOf<T extends string>(o: Obj, field: string, values: readonly T[]): T {
  const v = o[field];
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    throw new MessageError(field, `one of ${values.join(', ')}`);
  }
  return v as T;
}

export function optOneOf<T extends string>(o: Obj, field: string, values: readonly T[]): T | undefined {
  return o[field] === undefined ? undefined : oneOf(o, field, values);
}

export function arr(o: Obj, field: string, max = 100_000): unknown[] {
  const v = o[field];
  if (!Array.isArray(v) || v.length > max) throw new MessageError(field, `an array of at most ${max} items`);
  return v;
}

/** An array of strings, each at most `maxLength` characters. */
export function strings(o: Obj, field: string, maxItems: number, maxLength: number): string[] {
  return arr(o, field, maxItems).map((v, i) => {
    if (typeof v !== 'string' || v.length > maxLength) throw new MessageError(`${field}[${i}]`, `a string of at most ${maxLength} characters`);
    return v;
  });
}

/** Trace ids are 32 and span ids 16 lower-case hex digits (docs/telemetry-format.md). */
export function hexId(o: Obj, field: string, length: 16 | 32): string {
  const v = str(o, field, length);
  if (!new RegExp(`^[0-9a-f]{${length}}$`).test(v)) throw new MessageError(field, `${length} lower-case hex digits`);
  return v;
}

/**
 * Wraps a throwing parser into "message or undefined", reporting what was wrong once: a malformed
 * message is logged and ignored, never acted on.
 */
export function tryParse<T>(parse: (value: unknown) => T, value: unknown, report: (problem: string) => void): T | undefined {
  try {
    return parse(value);
  } catch (err) {
    report(err instanceof Error ? err.message : String(err));
    return undefined;
  }
}
