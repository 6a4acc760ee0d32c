import type { RequestContext } from './types.ts';

/**
 * A string from a policy that may contain policy variables (`${aws:username}`, `${aws:PrincipalTag/team, 'none'}`,
 * and the escapes `${*}`, `${?}`, `${$}`). Resolution substitutes context values; a variable with no value and
 * no default makes the whole string unresolvable, so the statement does not match (as IAM documents).
 */
export interface TemplateString {
  readonly raw: string;
  /** Undefined when the template contains no variables: use `raw` directly. */
  readonly parts?: ReadonlyArray<string | VariableRef>;
}

interface VariableRef {
  key: string;
  fallback?: string;
}

// Escaped wildcard characters survive substitution as private-use code points, matched literally by the globber.
export const LITERAL_STAR = '\uE000';
export const LITERAL_QUESTION = '\uE001';

const VARIABLE = /\$\{([^}]*)\}/g;

export function parseTemplate(raw: string, variablesEnabled: boolean): TemplateString {
  if (!variablesEnabled || !raw.includes('${')) return { raw };
  const parts: Array<string | VariableRef> = [];
  let last = 0;
  for (const m of raw.matchAll(VARIABLE)) {
    if (m.index > last) parts.push(raw.slice(last, m.index));
    last = m.index + m[0].length;
    const body = m[1].trim();
    if (body === '*') parts.push(LITERAL_STAR);
    else if (body === '?') parts.push(LITERAL_QUESTION);
    else if (body === '$') parts.push('$');
    else {
      const comma = body.indexOf(',');
      if (comma < 0) parts.push({ key: body.toLowerCase() });
      else {
        const fallbackText = body.slice(comma + 1).trim();
        const quoted = /^'(.*)'$/.exec(fallbackText);
        parts.push({ key: body.slice(0, comma).trim().toLowerCase(), fallback: quoted ? quoted[1] : fallbackText });
      }
    }
  }
  if (last < raw.length) parts.push(raw.slice(last));
  return { raw, parts };
}

export function resolveTemplate(template: TemplateString, context: RequestContext): string | null {
  if (!template.parts) return template.raw;
  let out = '';
  for (const part of template.parts) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    const values = context.get(part.key);
    if (values && values.length === 1) out += values[0];
    else if (part.fallback !== undefined) out += part.fallback;
    else return null;
  }
  return out;
}

/** Turns literal-wildcard placeholders back into the characters they stand for (for equality comparisons). */
export function unescapeLiterals(value: string): string {
  return value.replaceAll(LITERAL_STAR, '*').replaceAll(LITERAL_QUESTION, '?');
}
