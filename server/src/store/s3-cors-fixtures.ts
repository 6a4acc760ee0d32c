// Fixtures and state export for bucket CORS configurations.
import type { Reader } from './fixture-reader.ts';

const RULE_FIELDS = ['ID', 'AllowedOrigins', 'AllowedMethods', 'AllowedHeaders', 'ExposeHeaders', 'MaxAgeSeconds'] as const;
const METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'];

/**
 * buckets[].cors: the rules as GetBucketCors shows them (CORSRules), checked as PutBucketCors checks them: 1 to 100
 * rules, each with origins and methods among GET, PUT, POST, DELETE, HEAD, at most one `*` per origin and header.
 */
export function bucketCorsOf(r: Reader, raw: unknown, path: string): string {
  const rules = r.list(raw, path);
  if (rules.length === 0 || rules.length > 100) r.fail(path, 'expected 1 to 100 rules');
  return JSON.stringify(rules.map((value, i) => {
    const rpath = `${path}[${i}]`;
    const rule = r.object(value, rpath, RULE_FIELDS);
    const strings = (field: 'AllowedOrigins' | 'AllowedMethods' | 'AllowedHeaders' | 'ExposeHeaders', required: boolean): string[] | undefined => {
      if (rule[field] === undefined && !required) return undefined;
      const items = r.list(rule[field], `${rpath}.${field}`).map((s, j) => {
        if (typeof s !== 'string') r.fail(`${rpath}.${field}[${j}]`, 'expected a string');
        return s;
      });
      if (required && items.length === 0) r.fail(`${rpath}.${field}`, 'expected at least one entry');
      return items;
    };
    const origins = strings('AllowedOrigins', true)!;
    const methods = strings('AllowedMethods', true)!;
    const headers = strings('AllowedHeaders', false);
    methods.forEach((m, j) => { if (!METHODS.includes(m)) r.fail(`${rpath}.AllowedMethods[${j}]`, `expected one of ${METHODS.join(', ')}`); });
    for (const [field, items] of [['AllowedOrigins', origins], ['AllowedHeaders', headers ?? []]] as const) {
      items.forEach((s, j) => { if (s.split('*').length > 2) r.fail(`${rpath}.${field}[${j}]`, 'at most one wildcard'); });
    }
    const maxAge = r.integer(rule.MaxAgeSeconds, `${rpath}.MaxAgeSeconds`);
    return {
      ID: r.optString(rule.ID, `${rpath}.ID`), AllowedOrigins: origins, AllowedMethods: methods, AllowedHeaders: headers,
      ExposeHeaders: strings('ExposeHeaders', false), MaxAgeSeconds: maxAge,
    };
  }));
}
