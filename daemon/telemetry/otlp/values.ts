/**
 * OTLP value conversion shared by the JSON and protobuf paths: AnyValue and KeyValue lists to
 * plain JSON, ids to lower-case hex, 64-bit integers (numbers, strings or protobufjs Longs
 * rendered as strings) to exact decimal strings.
 */
import type { Attributes, AttrValue } from '../../../shared/telemetry/model';

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** An OTLP id: hex text in any case (JSON) or raw bytes (protobuf); undefined when empty or malformed. */
export function hexId(v: unknown, bytes: 8 | 16): string | undefined {
  if (v instanceof Uint8Array) {
    // Bytes always make valid hex: only the length and the all-zero id need checking (three ids
    // per span; the regular expressions below were a visible part of the receiver's time).
    if (v.byteLength !== bytes || isZero(v)) return undefined;
    return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  }
  if (typeof v !== 'string') return undefined;
  const hex = v.toLowerCase();
  if (hex.length !== bytes * 2 || !/^[0-9a-f]+$/.test(hex) || /^0+$/.test(hex)) return undefined;
  return hex;
}

function isZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/**
 * A 64-bit integer as protobufjs decodes it (a Long: `low` and `high` 32-bit halves) to an exact
 * decimal string. Converting here with one BigInt is several times cheaper than Long's own
 * toString, which was a tenth of the receiver's time.
 */
export function longString(v: unknown): string | undefined {
  if (!isObj(v) || typeof v.low !== 'number' || typeof v.high !== 'number') return undefined;
  const u = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  return (v.unsigned === true ? u : BigInt.asIntN(64, u)).toString();
}

/** A fixed64 nanosecond time as an exact decimal string; undefined when absent or not an integer. */
export function nanos(v: unknown): string | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? String(v) : Number.isFinite(v) && v > 0 ? BigInt(Math.round(v)).toString() : undefined;
  if (typeof v === 'string' && /^\d{1,20}$/.test(v)) return v.length > 1 && v.startsWith('0') ? BigInt(v).toString() : v;
  if (typeof v === 'bigint' && v >= 0n) return v.toString();
  const long = longString(v);
  return long !== undefined && !long.startsWith('-') ? long : undefined;
}

export function int(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  const long = longString(v);
  return long === undefined ? undefined : Number(long);
}

export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  const long = longString(v);
  if (long !== undefined) return Number(long);
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return Number(v);
  return undefined;
}

export function anyValue(v: unknown, depth = 0): AttrValue {
  if (!isObj(v) || depth > 16) return null;
  if (typeof v.stringValue === 'string') return v.stringValue;
  if (typeof v.boolValue === 'boolean') return v.boolValue;
  if (v.intValue !== undefined) {
    const long = longString(v.intValue);
    const n = long !== undefined ? Number(long) : int(v.intValue);
    return n === undefined ? null : Number.isSafeInteger(n) ? n : (long ?? String(v.intValue));
  }
  if (v.doubleValue !== undefined) return num(v.doubleValue) ?? null;
  if (isObj(v.arrayValue)) return arr(v.arrayValue.values).map((x) => anyValue(x, depth + 1));
  if (isObj(v.kvlistValue)) return keyValues(v.kvlistValue.values, depth + 1);
  if (typeof v.bytesValue === 'string') return v.bytesValue;
  if (v.bytesValue instanceof Uint8Array) return Buffer.from(v.bytesValue).toString('base64');
  return null;
}

export function keyValues(list: unknown, depth = 0): Attributes {
  const out: Attributes = {};
  for (const kv of arr(list)) {
    if (isObj(kv) && typeof kv.key === 'string') out[kv.key] = anyValue(kv.value, depth);
  }
  return out;
}

/** An enum that OTLP JSON sends as an integer, tolerating the name as well. */
export function enumValue(v: unknown, names: readonly string[]): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string') {
    const i = names.indexOf(v);
    if (i !== -1) return i;
    return int(v);
  }
  return undefined;
}
