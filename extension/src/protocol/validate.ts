// Check a decoded message against the protocol schema (protocol/messages.json, embedded in
// messages.ts as SCHEMA). The same rules as server/rnnlens/protocol/codec.py.
import { NdArray } from './codec';

export interface FieldSpec {
  [field: string]: string;
}
export interface MessageSpec {
  direction: string;
  doc: string;
  request?: boolean;
  fields: FieldSpec;
}
export interface ProtocolSchema {
  protocol: string;
  version: number;
  doc: string;
  dtypes: string[];
  records: Record<string, { doc: string; fields: FieldSpec }>;
  messages: Record<string, MessageSpec>;
  notifications: Record<string, MessageSpec>;
  /** Webview <-> extension messages (direction "webview" or "extension"). */
  webview: Record<string, MessageSpec>;
}

function check(schema: ProtocolSchema, value: unknown, expr: string, path: string): string | null {
  if (expr.endsWith('?')) return value === null ? null : check(schema, value, expr.slice(0, -1), path);
  if (expr.startsWith('list<')) {
    if (!Array.isArray(value)) return `${path}: expected a list`;
    const inner = expr.slice(5, -1);
    for (let i = 0; i < value.length; i++) {
      const problem = check(schema, value[i], inner, `${path}[${i}]`);
      if (problem) return problem;
    }
    return null;
  }
  if (expr.startsWith('ndarray<')) {
    const dtype = expr.slice(8, -1);
    if (!(value instanceof NdArray)) return `${path}: expected an ndarray of ${dtype}`;
    if (value.dtype !== dtype) return `${path}: expected dtype ${dtype}, got ${value.dtype}`;
    if (value.size !== value.data.length) return `${path}: shape does not match data`;
    return null;
  }
  switch (expr) {
    case 'any':
      return null;
    case 'str':
      return typeof value === 'string' ? null : `${path}: expected str`;
    case 'bool':
      return typeof value === 'boolean' ? null : `${path}: expected bool`;
    case 'int':
      return Number.isInteger(value) ? null : `${path}: expected int`;
    case 'float':
      return typeof value === 'number' ? null : `${path}: expected float`;
    case 'bytes':
      return value instanceof Uint8Array ? null : `${path}: expected bytes (a Uint8Array)`;
  }
  const record = schema.records[expr];
  if (!record) return `${path}: unknown schema type ${expr}`;
  return checkFields(schema, value, record.fields, path);
}

function checkFields(schema: ProtocolSchema, value: unknown, fields: FieldSpec, path: string): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${path}: expected a map`;
  const map = value as Record<string, unknown>;
  for (const [key, expr] of Object.entries(fields)) {
    if (!(key in map)) return `${path}.${key}: missing`;
    const problem = check(schema, map[key], expr, `${path}.${key}`);
    if (problem) return problem;
  }
  return null;
}

/** null when `value` is a valid record with these fields (unknown keys are allowed). */
export function validateRecord(schema: ProtocolSchema, value: unknown, fields: FieldSpec): string | null {
  return checkFields(schema, value, fields, 'params');
}

/** null when `value` is a valid message of `direction` (and of type `only`, when given). */
export function validateMessage(
  schema: ProtocolSchema,
  value: unknown,
  direction: 'server' | 'panel',
  only?: string,
): string | null {
  if (typeof value !== 'object' || value === null) return 'a message must be a map';
  const type = (value as Record<string, unknown>).type;
  if (typeof type !== 'string') return 'a message needs a string `type`';
  const spec = schema.messages[type];
  if (!spec || spec.direction !== direction) return `unknown message type ${type}`;
  if (only !== undefined && type !== only) return `expected a ${only} message, got ${type}`;
  const fields: FieldSpec = spec.request ? { id: 'int', ...spec.fields } : spec.fields;
  return checkFields(schema, value, fields, type);
}

/** null when `value` is a valid webview <-> extension message sent by `direction`. */
export function validateWebviewMessage(schema: ProtocolSchema, value: unknown, direction: 'webview' | 'extension'): string | null {
  if (typeof value !== 'object' || value === null) return 'a message must be a map';
  const type = (value as Record<string, unknown>).type;
  if (typeof type !== 'string') return 'a message needs a string `type`';
  const spec = schema.webview[type];
  if (!spec || spec.direction !== direction) return `unknown message type ${type}`;
  return checkFields(schema, value, spec.fields, type);
}
