import { destination, pino, type DestinationStream, type Logger } from 'pino';

export type LogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug';
export const LOG_LEVELS: readonly LogLevel[] = ['silent', 'error', 'warn', 'info', 'debug'];

/** What one request did, filled in as it is handled and logged when the response finishes. Never holds secrets. */
export interface RequestRecord {
  service: 'sts' | 'iam' | 's3' | 'kms' | 'admin';
  operation?: string;
  principal?: string;
  errorCode?: string;
}

/** One readable line per entry for terminals; JSON lines (pino's format) otherwise. */
class PrettyDestination implements DestinationStream {
  write(line: string): void {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      process.stdout.write(line);
      return;
    }
    const time = new Date(Number(entry.time)).toISOString().slice(11, 23);
    const level = ({ 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' } as Record<number, string>)[Number(entry.level)] ?? 'INFO';
    if (entry.operation !== undefined) {
      const outcome = entry.errorCode ? ` ${String(entry.errorCode)}` : '';
      process.stdout.write(`${time} ${level.padEnd(5)} ${String(entry.service).padEnd(5)} ${String(entry.operation).padEnd(28)} ${String(entry.status)} ${String(entry.ms)}ms ${String(entry.principal ?? '-')}${outcome}\n`);
    } else {
      process.stdout.write(`${time} ${level.padEnd(5)} ${String(entry.msg ?? '')}\n`);
    }
  }
}

export function createLogger(level: LogLevel, pretty = process.stdout.isTTY === true): Logger {
  return pino({ level, base: undefined }, pretty ? new PrettyDestination() : destination({ dest: 1, sync: false }));
}
