import { writeSync } from 'node:fs';

export type LogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug';
export const LOG_LEVELS: readonly LogLevel[] = ['silent', 'error', 'warn', 'info', 'debug'];

/** What one request did, filled in as it is handled and logged when the response finishes. Never holds secrets. */
export interface RequestRecord {
  service: 'sts' | 'iam' | 's3' | 'kms' | 'organizations' | 'admin';
  operation?: string;
  principal?: string;
  errorCode?: string;
}

/** Fields logged with a message; `err` is shown as its type, message and stack. */
export type LogFields = Record<string, unknown>;

/** The request log: one JSON line per entry (pino's format: level number, time, fields, msg), or a readable line on a terminal. */
export interface Logger {
  readonly level: LogLevel;
  isLevelEnabled(level: Exclude<LogLevel, 'silent'>): boolean;
  error(fields: LogFields, msg?: string): void;
  warn(fields: LogFields, msg?: string): void;
  info(fields: LogFields, msg?: string): void;
  debug(fields: LogFields, msg?: string): void;
}

const LEVEL_NUMBERS = { debug: 20, info: 30, warn: 40, error: 50 } as const;
const LEVEL_NAMES: Record<number, string> = { 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR' };

// Lines wait for the end of the tick and go out in one write: a request costs no system call of its own. Whatever is
// left when the process exits is written synchronously.
let pending = '';
let flushScheduled = false;
function flush(): void {
  flushScheduled = false;
  if (pending === '') return;
  const out = pending;
  pending = '';
  process.stdout.write(out);
}
function emit(line: string): void {
  pending += line;
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush).unref();
  }
}
process.once('exit', () => {
  if (pending === '') return;
  try {
    writeSync(1, pending);
  } catch {
    // stdout is gone: nothing to tell.
  }
  pending = '';
});

function serializable(fields: LogFields): LogFields {
  const err = fields.err;
  if (!(err instanceof Error)) return fields;
  return { ...fields, err: { type: err.name, message: err.message, stack: err.stack } };
}

/** One readable line per entry, for terminals. */
function prettyLine(level: number, entry: LogFields, msg: string | undefined): string {
  const time = new Date().toISOString().slice(11, 23);
  const name = (LEVEL_NAMES[level] ?? 'INFO').padEnd(5);
  if (entry.operation !== undefined) {
    const outcome = entry.errorCode ? ` ${String(entry.errorCode)}` : '';
    return `${time} ${name} ${String(entry.service).padEnd(5)} ${String(entry.operation).padEnd(28)} ${String(entry.status)} ${String(entry.ms)}ms ${String(entry.principal ?? '-')}${outcome}\n`;
  }
  const err = entry.err instanceof Error ? `: ${entry.err.stack ?? entry.err.message}` : '';
  return `${time} ${name} ${msg ?? ''}${err}\n`;
}

export function createLogger(level: LogLevel, pretty = process.stdout.isTTY === true): Logger {
  const threshold = level === 'silent' ? Infinity : LEVEL_NUMBERS[level];
  const log = (at: keyof typeof LEVEL_NUMBERS) => (fields: LogFields, msg?: string): void => {
    const number = LEVEL_NUMBERS[at];
    if (number < threshold) return;
    if (pretty) emit(prettyLine(number, fields, msg));
    else emit(`${JSON.stringify({ level: number, time: Date.now(), ...serializable(fields), ...(msg === undefined ? {} : { msg }) })}\n`);
  };
  return {
    level,
    isLevelEnabled: (at) => LEVEL_NUMBERS[at] >= threshold,
    error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug'),
  };
}
