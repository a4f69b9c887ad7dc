/**
 * Mutators for the hostile-input scenarios, driven by the suite's seeded random (`seeded.ts`: the
 * seed is recorded as a figure; replay with `FAULT_SEED=<seed>`). They make the shapes that break
 * parsers: cut or flipped bytes, values of the wrong type, huge strings, deep nesting.
 */
import type { Random } from './seeded';

export type { Random } from './seeded';

/** `n` random bytes. */
export function randomBytes(rng: Random, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = rng.int(0, 255);
  return b;
}

/** A random integer in [0, n). */
function below(rng: Random, n: number): number {
  return rng.int(0, n - 1);
}

/** Byte-level damage: cut, flip, insert, delete or duplicate a run of bytes. */
export function mutateBytes(rng: Random, input: Buffer): Buffer {
  if (input.length === 0) return randomBytes(rng, 1 + below(rng, 64));
  const at = below(rng, input.length);
  const len = 1 + below(rng, Math.min(32, input.length - at));
  switch (below(rng, 6)) {
    case 0: return input.subarray(0, Math.max(1, at));
    case 1: {
      const out = Buffer.from(input);
      for (let i = 0; i < len; i++) out[at + i] = below(rng, 256);
      return out;
    }
    case 2: return Buffer.concat([input.subarray(0, at), randomBytes(rng, len), input.subarray(at)]);
    case 3: return Buffer.concat([input.subarray(0, at), input.subarray(at + len)]);
    case 4: return Buffer.concat([input.subarray(0, at + len), input.subarray(at)]);
    default: {
      const out = Buffer.from(input);
      out[at] = (out[at] as number) ^ (1 << below(rng, 8));
      return out;
    }
  }
}

/** A value of another JSON type than `v`, or one of the values parsers trip on. */
export function wrongValue(rng: Random, v: unknown, hugeChars = 1 << 20): unknown {
  const choices: (() => unknown)[] = [
    () => null,
    () => (typeof v === 'number' ? String(v) : 12345),
    () => (typeof v === 'string' ? [v] : 'text'),
    () => ({ nested: v }),
    () => true,
    () => -1e308 * 10, // Infinity: JSON.stringify writes null
    () => 'x'.repeat(hugeChars),
    () => '\u0000\ud800\uffff',
    () => deepNest(rng.pick([100, 10_000, 50_000])),
    () => [],
  ];
  return rng.pick(choices)();
}

const DEEP = /"~deep:(\d+)~"/g;

/**
 * A stand-in for an object nested `depth` levels deep; `jsonText` writes it out. Held as a token
 * because the test's own JSON.stringify would overflow the stack on the real thing.
 */
export function deepNest(depth: number): string {
  return `~deep:${depth}~`;
}

/** JSON text of `value`, with each `deepNest` token written out as nested objects. */
export function jsonText(value: unknown): string {
  return JSON.stringify(value).replace(DEEP, (_, n: string) => '{"a":'.repeat(Number(n)) + '1' + '}'.repeat(Number(n)));
}

/** All [parent, key] pairs of a JSON value, so one can be replaced; walked without recursion. */
function slots(root: unknown): [Record<string, unknown> | unknown[], string | number][] {
  const out: [Record<string, unknown> | unknown[], string | number][] = [];
  const stack: unknown[] = [root];
  while (stack.length) {
    const v = stack.pop();
    if (Array.isArray(v)) v.forEach((x, i) => (out.push([v, i]), stack.push(x)));
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        out.push([v as Record<string, unknown>, k]);
        stack.push(x);
      }
    }
  }
  return out;
}

/** Structural damage to a JSON value (a deep copy is changed): wrong types, removed or added fields. */
export function mutateJson(rng: Random, value: unknown, hugeChars?: number): unknown {
  const copy = JSON.parse(JSON.stringify(value)) as unknown;
  const all = slots(copy);
  if (!all.length) return wrongValue(rng, copy, hugeChars);
  const [parent, key] = rng.pick(all);
  const mode = below(rng, 3);
  if (mode === 0 && !Array.isArray(parent)) delete parent[key as string];
  else if (mode === 1 && !Array.isArray(parent)) parent[`extra${below(rng, 100)}`] = wrongValue(rng, undefined, hugeChars);
  else (parent as Record<string | number, unknown>)[key] = wrongValue(rng, (parent as Record<string | number, unknown>)[key], hugeChars);
  return copy;
}

/** Counts of outcomes by name, printed and recorded as one figure. */
export class Tally {
  private readonly counts = new Map<string, number>();

  add(outcome: string, n = 1): void {
    this.counts.set(outcome, (this.counts.get(outcome) ?? 0) + n);
  }

  get(outcome: string): number {
    return this.counts.get(outcome) ?? 0;
  }

  toString(): string {
    return [...this.counts].map(([k, v]) => `${k} ${v}`).join(', ');
  }
}
