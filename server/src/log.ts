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

/** The one line logged per request (at info), when its response has finished. */
export interface RequestLine {
  service: RequestRecord['service'];
  operation: string;
  principal: string | undefined;
  status: number;
  errorCode: string | undefined;
  ms: number;
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
  /** The request line at info: the same JSON as info(line), written without building an object to stringify. */
  request(line: RequestLine): void;
}

const LEVEL_NUMBERS = { debug: 20, info: 30, warn: 40, error: 50 } as const;
const LEVEL_NAMES: Record<number, string> = { 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR' };

// Lines wait up to FLUSH_MS (or until 64 KB are pending) and go out in one write: under load a request costs no system
// call of its own (stdout to a pipe or file is written synchronously on Linux), and a line is never more than a few
// milliseconds late. Whatever is left when the process exits is written synchronously.
let pending = '';
let flushScheduled = false;
function flush(): void {
  flushScheduled = false;
  if (pending === '') return;
  const out = pending;
  pending = '';
  process.stdout.write(out);
}
const FLUSH_MS = 5;
let flushTimer: NodeJS.Timeout | undefined;
function emit(line: string): void {
  pending += line;
  if (pending.length >= 65536) {
    if (flushTimer) clearTimeout(flushTimer);
    flush();
  } else if (!flushScheduled) {
    flushScheduled = true;
    flushTimer = setTimeout(flush, FLUSH_MS).unref();
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
  const info = log('info');
  const request = (line: RequestLine): void => {
    if (LEVEL_NUMBERS.info < threshold) return;
    if (pretty) {
      info({ ...line });
      return;
    }
    // Field by field, in info()'s order and with its omissions (undefined fields are left out); only strings a
    // client chose (operation, principal, error code) go through JSON.stringify for their escaping.
    emit(`{"level":30,"time":${Date.now()},"service":"${line.service}","operation":${JSON.stringify(line.operation)}${line.principal === undefined ? '' : `,"principal":${JSON.stringify(line.principal)}`},"status":${line.status}${line.errorCode === undefined ? '' : `,"errorCode":${JSON.stringify(line.errorCode)}`},"ms":${line.ms}}\n`);
  };
  return {
    level,
    isLevelEnabled: (at) => LEVEL_NUMBERS[at] >= threshold,
    error: log('error'), warn: log('warn'), info, debug: log('debug'), request,
  };
}
