/**
 * Small runtime checks for incoming params. Types vanish at run time, and the daemon's socket
 * accepts bytes from any process of the user, so every handler validates what it receives.
 */

export class ParamError extends Error {
  constructor(readonly field: string, expected: string) {
    super(`invalid params: '${field}' must be ${expected}`);
  }
}

export function asObject(value: unknown, field = 'params'): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ParamError(field, 'an object');
  }
  return value as Record<string, unknown>;
}

export function reqString(obj: Record<string, unknown>, field: string, maxLength = 4096): string {
  const v = obj[field];
  if (typeof v !== 'string' || v.length > maxLength) {
    throw new ParamError(field, `a string of at most ${maxLength} characters`);
  }
  return v;
}

export function optString(obj: Record<string, unknown>, field: string, maxLength = 4096): string | undefined {
  return obj[field] === undefined ? undefined : reqString(obj, field, maxLength);
}

export function reqNumber(obj: Record<string, unknown>, field: string): number {
  const v = obj[field];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new ParamError(field, 'a finite number');
  }
  return v;
}

export function optNumber(obj: Record<string, unknown>, field: string): number | undefined {
  return obj[field] === undefined ? undefined : reqNumber(obj, field);
}

export function reqOneOf<T extends string>(obj: Record<string, unknown>, field: string, values: readonly T[]): T {
  const v = obj[field];
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    throw new ParamError(field, `one of ${values.map((x) => `'${x}'`).join(', ')}`);
  }
  return v as T;
}
