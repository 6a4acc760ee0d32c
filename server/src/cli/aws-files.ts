import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

// The AWS shared credentials and config files: INI sections of `key = value`. Edits keep every other line as it was.

export function credentialsFilePath(explicit?: string): string {
  return explicit ?? process.env.AWS_SHARED_CREDENTIALS_FILE ?? join(homedir(), '.aws', 'credentials');
}

export function configFilePath(explicit?: string): string {
  return explicit ?? process.env.AWS_CONFIG_FILE ?? join(homedir(), '.aws', 'config');
}

const SECTION = /^\s*\[\s*([^\]]+?)\s*\]\s*$/;
const ENTRY = /^\s*([^=#;\s][^=]*?)\s*=\s*(.*?)\s*$/;

/** The entries of one section, or undefined if the file or section does not exist. */
export function readSection(file: string, section: string): Record<string, string> | undefined {
  if (!existsSync(file)) return undefined;
  let current: string | undefined;
  let found: Record<string, string> | undefined;
  for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
    const header = SECTION.exec(line);
    if (header) {
      current = header[1];
      if (current === section) found ??= {};
      continue;
    }
    const entry = ENTRY.exec(line);
    if (entry && current === section && found) found[entry[1]!] = entry[2]!;
  }
  return found;
}

/** Sets keys in a section (creating file and section as needed), leaving other sections and keys untouched. */
export function writeSection(file: string, section: string, values: Record<string, string>): void {
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split(/\r?\n/) : [];
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const pending = new Map(Object.entries(values));
  let start = lines.findIndex((line) => SECTION.exec(line)?.[1] === section);
  if (start < 0) {
    if (lines.length) lines.push('');
    lines.push(`[${section}]`);
    start = lines.length - 1;
  }
  let end = start + 1;
  while (end < lines.length && !SECTION.test(lines[end]!)) {
    const key = ENTRY.exec(lines[end]!)?.[1];
    if (key !== undefined && pending.has(key)) {
      lines[end] = `${key} = ${pending.get(key)}`;
      pending.delete(key);
    }
    end++;
  }
  // New keys go after the section's last entry, before any blank lines that separate it from the next section.
  let insertAt = end;
  while (insertAt > start + 1 && lines[insertAt - 1]!.trim() === '') insertAt--;
  lines.splice(insertAt, 0, ...[...pending].map(([k, v]) => `${k} = ${v}`));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}
