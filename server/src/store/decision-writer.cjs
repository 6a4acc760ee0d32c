// @ts-check
// The decision log's writer, on its own thread with its own SQLite database. The request thread only appends each
// decision's fields to a flat array and posts a batch now and then; turning them into rows (dates, JSON) and writing
// them happens here, so logging every decision costs a request almost nothing. It is plain JavaScript so any loader
// (tsx, the esbuild bundle, vitest) can start it as it is.
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');

/**
 * @typedef {{ sqlite: string; schema: string; path: string; capacity: number; signal: SharedArrayBuffer; replies: import('node:worker_threads').MessagePort }} WriterData
 * @typedef {{ principal?: string; principalPrefix?: string; action?: string; decision?: 'allow' | 'deny'; since?: string; service?: string; text?: string; beforeId?: number; afterId?: number; limit: number }} Filter
 * @typedef {{ op: 'flush' } | { op: 'clear' } | { op: 'close' } | { op: 'list'; filter: Filter }} Control
 */

const data = /** @type {WriterData} */ (workerData);
const signal = new Int32Array(data.signal);
/** Rows per multi-row INSERT: one statement for many rows costs a fraction of a statement each. */
const ROWS_PER_INSERT = 32;
const COLUMNS = 9;

/** @type {import('better-sqlite3').Database | undefined} */
let db;
/** @type {string | undefined} */
let openError;
try {
  const Database = /** @type {typeof import('better-sqlite3')} */ (require(data.sqlite));
  db = new Database(data.path);
  if (data.path !== ':memory:') db.pragma('journal_mode = WAL');
  // A log: losing the last rows to a power cut is acceptable, an fsync per checkpoint on every request is not.
  db.pragma('synchronous = OFF');
  db.pragma('busy_timeout = 5000');
  // Rows are appended at one end and pruned at the other: 1 MB of page cache writes as fast as better-sqlite3's
  // default 16 MB (measured), and the server stays that much smaller.
  db.pragma('cache_size = -1024');
  db.exec(readFileSync(data.schema, 'utf8'));
} catch (error) {
  openError = `cannot open the decision log ${data.path}: ${error instanceof Error ? error.message : String(error)}`;
  db = undefined;
}

/** @param {number} rows */
const placeholders = (rows) => Array(rows).fill(`(${Array(COLUMNS).fill('?').join(', ')})`).join(', ');
const insertSql = 'INSERT INTO decisions (at, principal, action, resource, allowed, reason, statements, context, mode) VALUES ';
const statements = db && {
  one: db.prepare(insertSql + placeholders(1)),
  many: db.prepare(insertSql + placeholders(ROWS_PER_INSERT)),
  prune: db.prepare('DELETE FROM decisions WHERE id <= (SELECT max(id) FROM decisions) - ?'),
  clear: db.prepare('DELETE FROM decisions'),
  query: db.prepare(`SELECT * FROM decisions
    WHERE (@principal IS NULL OR principal = @principal) AND (@prefix IS NULL OR substr(principal, 1, length(@prefix)) = @prefix)
    AND (@action IS NULL OR lower(action) = lower(@action)) AND (@allowed IS NULL OR allowed = @allowed) AND (@since IS NULL OR at >= @since)
    AND (@service IS NULL OR lower(substr(action, 1, length(@service) + 1)) = lower(@service) || ':')
    AND (@text IS NULL OR instr(lower(principal || ' ' || action || ' ' || resource), lower(@text)) > 0)
    AND (@before IS NULL OR id < @before) AND (@after IS NULL OR id > @after)
    ORDER BY id DESC LIMIT @limit`),
};

/** JSON for a string without escaping work when it needs none (ARNs, keys, addresses, dates nearly always). */
const PLAIN_JSON_STRING = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
/** @param {string} value */
const jsonString = (value) => (PLAIN_JSON_STRING.test(value) ? `"${value}"` : JSON.stringify(value));
const MODES = ['on', 'audit', 'off'];

/**
 * Turns a batch (see DecisionLog.record for its layout) into rows of the decisions table.
 * @param {unknown[]} batch
 * @returns {unknown[][]}
 */
function rowsOf(batch) {
  const rows = [];
  let i = 0;
  const next = () => batch[i++];
  while (i < batch.length) {
    const at = new Date(/** @type {number} */ (next())).toISOString();
    const principal = next(), action = next(), resource = next(), allowed = next(), reason = next(), mode = MODES[/** @type {number} */ (next())];
    let statementsJson = '[';
    for (let n = /** @type {number} */ (next()); n > 0; n--) {
      const ref = { policy: next(), kind: next(), versionId: next() ?? undefined, sid: next() ?? undefined, index: next(), effect: next() };
      statementsJson += (statementsJson.length > 1 ? ',' : '') + JSON.stringify(ref);
    }
    let contextJson = '{';
    for (let keys = /** @type {number} */ (next()); keys > 0; keys--) {
      if (contextJson.length > 1) contextJson += ',';
      contextJson += `${jsonString(/** @type {string} */ (next()))}:[`;
      for (let values = /** @type {number} */ (next()), first = true; values > 0; values--, first = false) contextJson += (first ? '' : ',') + jsonString(/** @type {string} */ (next()));
      contextJson += ']';
    }
    rows.push([at, principal, action, resource, allowed, reason, `${statementsJson}]`, `${contextJson}}`, mode]);
  }
  return rows;
}

const insertAll = db && db.transaction((/** @type {unknown[][]} */ rows) => {
  if (!statements) return;
  let i = 0;
  for (; i + ROWS_PER_INSERT <= rows.length; i += ROWS_PER_INSERT) statements.many.run(rows.slice(i, i + ROWS_PER_INSERT).flat());
  for (; i < rows.length; i++) statements.one.run(rows[i]);
  // Every batch: the log never holds more than its capacity, and deleting a batch's worth of old rows is cheap.
  statements.prune.run(data.capacity);
});

/** @param {Control} control */
function answer(control) {
  if (openError !== undefined || !db || !statements) throw new Error(openError ?? 'the decision log is closed');
  switch (control.op) {
    case 'flush': return null;
    case 'clear': statements.clear.run(); return null;
    case 'close': db.close(); db = undefined; return null;
    case 'list': {
      const f = control.filter;
      const allowed = f.decision === undefined ? null : f.decision === 'allow' ? 1 : 0;
      return statements.query.all({ principal: f.principal ?? null, prefix: f.principalPrefix ?? null, action: f.action ?? null, allowed, since: f.since ?? null,
        service: f.service ?? null, text: f.text ?? null, before: f.beforeId ?? null, after: f.afterId ?? null, limit: f.limit });
    }
  }
}

parentPort?.on('message', (/** @type {unknown[] | Control} */ message) => {
  if (Array.isArray(message)) {
    // Batches arrive in order before any control message sent after them, so a flush or list sees them all.
    if (insertAll) {
      try {
        insertAll(rowsOf(message));
      } catch {
        // A full disk or a database removed under us: the log loses these rows, requests carry on.
      }
    }
    return;
  }
  /** @type {{ value?: unknown; error?: string }} */
  let reply;
  try {
    reply = { value: answer(message) };
  } catch (error) {
    reply = { error: error instanceof Error ? error.message : String(error) };
  }
  data.replies.postMessage(reply);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
});
