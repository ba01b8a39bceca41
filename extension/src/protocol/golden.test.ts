// Golden vectors: the msgpack files in protocol/golden/ were written by the Python codec. This side
// must decode each one to the same content as its .json description, accept it as a valid message,
// and encode it back to the very same bytes.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

import { NdArray, decodeMessage, encodeMessage, floatToHalf, halfToFloat } from './codec';
import { SCHEMA, validatePanelMessage, validateServerMessage } from './messages';

const GOLDEN_DIR = resolve(__dirname, '..', '..', '..', 'protocol', 'golden');
const names = readdirSync(GOLDEN_DIR)
  .filter((file) => file.endsWith('.msgpack'))
  .map((file) => file.slice(0, -'.msgpack'.length))
  .sort();

function describeValue(value: unknown): unknown {
  if (value instanceof NdArray) {
    return { $ndarray: { dtype: value.dtype, shape: value.shape, values: Array.from(value.values()) } };
  }
  if (Array.isArray(value)) return value.map(describeValue);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, describeValue(v)]));
  }
  return value;
}

describe('golden vectors', () => {
  it('cover every message type of the schema', () => {
    expect(names).toEqual(Object.keys(SCHEMA.messages).sort());
  });

  for (const name of names) {
    it(`${name}: decodes to its description, validates, re-encodes byte for byte`, () => {
      const bytes = new Uint8Array(readFileSync(join(GOLDEN_DIR, `${name}.msgpack`)));
      const expected = JSON.parse(readFileSync(join(GOLDEN_DIR, `${name}.json`), 'utf-8'));
      const message = decodeMessage(bytes);
      expect(describeValue(message)).toEqual(expected);
      const direction = SCHEMA.messages[name].direction;
      const problem = direction === 'server' ? validateServerMessage(message) : validatePanelMessage(message);
      expect(problem).toBeNull();
      expect(Buffer.from(encodeMessage(message)).equals(Buffer.from(bytes))).toBe(true);
    });
  }
});

describe('validation', () => {
  it('names the field at fault', () => {
    const message = decodeMessage(readFileSync(join(GOLDEN_DIR, 'unit_request.msgpack'))) as Record<string, unknown>;
    expect(validatePanelMessage({ ...message, unit: 'seventeen' })).toBe('unit_request.unit: expected int');
    expect(validatePanelMessage({ ...message, id: undefined })).toBe('unit_request.id: expected int');
    expect(validatePanelMessage({ type: 'hello' })).toBe('unknown message type hello');
  });

  it('checks ndarray dtypes', () => {
    const message = decodeMessage(readFileSync(join(GOLDEN_DIR, 'word_detail.msgpack'))) as Record<string, unknown>;
    const wrong = { ...message, profile: NdArray.fromValues('int32', [2], [1, 2]) };
    expect(validateServerMessage(wrong)).toBe('word_detail.profile: expected dtype float32, got int32');
  });
});

describe('float16', () => {
  it('converts exactly for representable values and rounds to nearest', () => {
    for (const value of [0, 1, -2, 0.5, 65504, 2 ** -24, -0.333251953125]) {
      expect(halfToFloat(floatToHalf(value))).toBe(value);
    }
    expect(halfToFloat(floatToHalf(1 + 2 ** -11))).toBe(1); // ties to even
    expect(halfToFloat(floatToHalf(1e6))).toBe(Infinity);
  });
});
