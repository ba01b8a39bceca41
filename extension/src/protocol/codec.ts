// Encode and decode panel-stream messages as msgpack (the TypeScript twin of
// server/rnnlens/protocol/codec.py). Typed arrays travel as {dtype, shape, data: bin},
// little-endian, C order; on this side they become NdArray objects.
import { decode as msgpackDecode, encode as msgpackEncode } from '@msgpack/msgpack';

export type DType = 'float32' | 'float16' | 'int32';
type RawData = Float32Array | Uint16Array | Int32Array;

const BYTES_PER_ELEMENT: Record<DType, number> = { float32: 4, float16: 2, int32: 4 };

/** A typed n-dimensional array. float16 keeps its raw bits in `data`; `values()` gives numbers. */
export class NdArray {
  constructor(
    readonly dtype: DType,
    readonly shape: number[],
    readonly data: RawData,
  ) {}

  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /** The elements as numbers (float16 widened to float32), C order. */
  values(): Float32Array | Int32Array {
    if (this.data instanceof Uint16Array) {
      const out = new Float32Array(this.data.length);
      for (let i = 0; i < out.length; i++) out[i] = halfToFloat(this.data[i]);
      return out;
    }
    return this.data;
  }

  /** Row i of a 2-D array. */
  row(i: number): Float32Array | Int32Array {
    const width = this.shape[1] ?? 1;
    return this.values().subarray(i * width, (i + 1) * width);
  }

  static fromValues(dtype: DType, shape: number[], values: ArrayLike<number>): NdArray {
    if (dtype === 'float32') return new NdArray(dtype, shape, Float32Array.from(values));
    if (dtype === 'int32') return new NdArray(dtype, shape, Int32Array.from(values));
    return new NdArray(dtype, shape, Uint16Array.from(Array.from(values, floatToHalf)));
  }
}

/** IEEE 754 half (bits) -> number, exact. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** number -> IEEE 754 half bits, round to nearest even (for tests and panel-built arrays). */
export function floatToHalf(value: number): number {
  const f32 = new Float32Array([value]);
  const x = new Uint32Array(f32.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >> shift;
    const rest = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  return sign | half;
}

function isArrayMap(value: unknown): value is { dtype: DType; shape: number[]; data: Uint8Array } {
  if (typeof value !== 'object' || value === null) return false;
  const keys = Object.keys(value);
  const v = value as Record<string, unknown>;
  return (
    keys.length === 3 &&
    v.data instanceof Uint8Array &&
    typeof v.dtype === 'string' &&
    v.dtype in BYTES_PER_ELEMENT &&
    Array.isArray(v.shape)
  );
}

function arrayFromWire(wire: { dtype: DType; shape: number[]; data: Uint8Array }): NdArray {
  const size = wire.shape.reduce((a, b) => a * b, 1);
  const width = BYTES_PER_ELEMENT[wire.dtype];
  if (wire.data.byteLength !== size * width) {
    throw new Error(`ndarray data has ${wire.data.byteLength} bytes, shape needs ${size * width}`);
  }
  // Copy: bin inside a msgpack frame is rarely aligned for a typed-array view.
  const buffer = wire.data.slice().buffer;
  const data =
    wire.dtype === 'float32'
      ? new Float32Array(buffer)
      : wire.dtype === 'int32'
        ? new Int32Array(buffer)
        : new Uint16Array(buffer);
  return new NdArray(wire.dtype, wire.shape, data);
}

function fromWire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromWire);
  if (value instanceof Uint8Array || typeof value !== 'object' || value === null) return value;
  if (isArrayMap(value)) return arrayFromWire(value);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = fromWire(item);
  return out;
}

function toWire(value: unknown): unknown {
  if (value instanceof NdArray) {
    const { buffer, byteOffset, byteLength } = value.data;
    return { dtype: value.dtype, shape: value.shape, data: new Uint8Array(buffer, byteOffset, byteLength) };
  }
  if (Array.isArray(value)) return value.map(toWire);
  if (value instanceof Uint8Array || typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = toWire(item);
  return out;
}

/** msgpack bytes -> message object with NdArray values (not yet validated: see validate*Message). */
export function decodeMessage(bytes: Uint8Array | ArrayBuffer): unknown {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return fromWire(msgpackDecode(view));
}

/** message object -> msgpack bytes. Keys go out in the object's own order. */
export function encodeMessage(message: unknown): Uint8Array {
  return msgpackEncode(toWire(message));
}
