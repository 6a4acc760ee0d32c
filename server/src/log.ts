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
  /** The level now (see setLevel). */
  readonly level: LogLevel;
  /** Changes the level of a running server (the admin API's POST /_iamlocal/log-level): lines from then on follow it. */
  setLevel(level: LogLevel): void;
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

// Entries wait up to FLUSH_MS (or until MAX_QUEUED are queued) and go out in one write: under load a request costs no
// system call of its own (stdout to a pipe or file is written synchronously on Linux), and a line is never more than
// FLUSH_MS late. Whatever is left when the process exits is written synchronously. Each write costs a system call and
// wakes the reader: at 5 ms (~40 lines a write at full load) writing was ~1.2 µs of CPU a line, at 25 ms ~0.45.
//
// A request's line is queued as its fields and the time, and formatted with the rest of the batch when it is written:
// formatted on the request path, between two requests' worth of other code, a line cost ~2.5 µs (measured in the
// server, against ~0.6 µs in a loop); in the batch's loop the formatting code stays hot. Other entries are queued as
// their finished line, so the output keeps the order of the calls.
type Entry = string | RequestLine;
let entries: Entry[] = [];
let times: number[] = [];
let flushTimer: NodeJS.Timeout | undefined;
const FLUSH_MS = 25;
const MAX_QUEUED = 512;

// The JSON text of the strings a line repeats (operation names, principals' ARNs, error codes), bounded.
const quoted = new Map<string, string>();
function quote(text: string): string {
  let json = quoted.get(text);
  if (json === undefined) {
    if (quoted.size >= 1024) quoted.clear();
    quoted.set(text, json = JSON.stringify(text));
  }
  return json;
}

// `ms` is a whole number of hundredths (Math.round(x * 100) / 100): written from its integer parts, as JavaScript
// writes such a number (checked for every value below 100,000 ms; anything else is left to JavaScript).
const HUNDREDTHS = Array.from({ length: 100 }, (_, h) => (h === 0 ? '' : h % 10 === 0 ? `.${h / 10}` : `.${h < 10 ? '0' : ''}${h}`));
export function msText(ms: number): string {
  const hundredths = Math.round(ms * 100);
  if (!(hundredths >= 0 && hundredths < 1e7) || hundredths / 100 !== ms) return `${ms}`;
  return `${Math.floor(hundredths / 100)}${HUNDREDTHS[hundredths % 100]}`;
}

// Lines of a batch mostly share their millisecond: the line's start up to the service is kept for the last time seen.
let headTime = -1;
let head = '';

/** The request line as info() would write it: its fields in order, undefined ones left out, client strings JSON-escaped. */
function requestJson(line: RequestLine, time: number): string {
  if (time !== headTime) {
    headTime = time;
    head = `{"level":30,"time":${time},"service":"`;
  }
  return `${head}${line.service}","operation":${quote(line.operation)}${line.principal === undefined ? '' : `,"principal":${quote(line.principal)}`},"status":${line.status}${line.errorCode === undefined ? '' : `,"errorCode":${quote(line.errorCode)}`},"ms":${msText(line.ms)}}\n`;
}

function drain(): string {
  let out = '';
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    out += typeof entry === 'string' ? entry : requestJson(entry, times[i]!);
  }
  entries = [];
  times = [];
  return out;
}

function flush(): void {
  if (flushTimer) clearTimeout(flushTimer);
  flushTimer = undefined;
  if (entries.length === 0) return;
  process.stdout.write(drain());
}

function enqueue(entry: Entry, time: number): void {
  entries.push(entry);
  times.push(time);
  if (entries.length >= MAX_QUEUED || (typeof entry === 'string' && entry.length >= 65536)) flush();
  else flushTimer ??= setTimeout(flush, FLUSH_MS).unref();
}

function emit(line: string): void {
  enqueue(line, 0);
}

process.once('exit', () => {
  if (entries.length === 0) return;
  try {
    writeSync(1, drain());
  } catch {
    // stdout is gone: nothing to tell.
  }
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

export function createLogger(initial: LogLevel, pretty = process.stdout.isTTY === true): Logger {
  let level = initial;
  let threshold = level === 'silent' ? Infinity : LEVEL_NUMBERS[level];
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
    enqueue(line, Date.now());
  };
  return {
    get level() { return level; },
    setLevel(to: LogLevel): void {
      level = to;
      threshold = to === 'silent' ? Infinity : LEVEL_NUMBERS[to];
    },
    isLevelEnabled: (at) => LEVEL_NUMBERS[at] >= threshold,
    error: log('error'), warn: log('warn'), info, debug: log('debug'), request,
  };
}
