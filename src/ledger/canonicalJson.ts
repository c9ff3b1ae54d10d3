export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * JSON with object keys sorted at every depth, so the same value always hashes the same way —
 * PostgreSQL's jsonb does not keep key order, and the chain must verify from what jsonb returns.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('non-finite numbers cannot be recorded');
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      // Written with loops: every command canonicalises its events, its request and its response.
      if (Array.isArray(value)) {
        let out = '[';
        for (let index = 0; index < value.length; index += 1) out += (index === 0 ? '' : ',') + canonicalJson(value[index]);
        return `${out}]`;
      }
      const record = value as Record<string, unknown>;
      // The default sort compares UTF-16 code units, as `<` does.
      const keys = Object.keys(record).sort();
      let out = '{';
      for (const key of keys) {
        const entry = record[key];
        if (entry === undefined) continue;
        out += (out.length === 1 ? '' : ',') + JSON.stringify(key) + ':' + canonicalJson(entry);
      }
      return `${out}}`;
    }
    default:
      throw new TypeError(`cannot record a value of type ${typeof value}`);
  }
}
