// iamlocal's console: plain ES modules, no build step. Data comes from /_iamlocal/console/ and the admin API.
const API = '/_iamlocal';
const $ = (selector, root = document) => root.querySelector(selector);

// ---- Admin token: from the URL fragment (#token=…) or the sign-in form, kept in this tab's sessionStorage only ----
{
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem('iamlocal-token', decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
}
const authHeaders = () => {
  const token = sessionStorage.getItem('iamlocal-token');
  return token ? { authorization: `Bearer ${token}` } : {};
};

class HttpError extends Error {}
async function api(path, { method = 'GET', body, text = false } = {}) {
  const res = await fetch(API + path, {
    method, headers: { ...authHeaders(), 'x-iamlocal-console': '1', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401) {
    showLogin();
    throw new HttpError('sign in first');
  }
  const payload = text ? await res.text() : await res.json();
  if (!res.ok) throw new HttpError(payload.error ?? `HTTP ${res.status}`);
  return payload;
}

const status = (message) => { $('#status').textContent = message; };

/** Builds an element: h('td', {class: 'x'}, 'text', child…). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

function showLogin() {
  $('#login').hidden = false;
  for (const p of document.querySelectorAll('[data-view-panel]')) p.hidden = true;
  $('#token').focus();
}
$('#login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem('iamlocal-token', $('#token').value);
  $('#token').value = '';
  $('#login').hidden = true;
  route();
});

// ---- Views ----
const views = { decisions: showDecisions, advice: showAdvice, state: showState };
function route() {
  const name = (location.hash.slice(1).split('?')[0] || 'decisions');
  const view = views[name] ? name : 'decisions';
  for (const p of document.querySelectorAll('[data-view-panel]')) p.hidden = p.dataset.viewPanel !== view;
  for (const a of document.querySelectorAll('nav a')) {
    if (a.dataset.view === view) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  views[view]();
}
window.addEventListener('hashchange', route);

// ---- Live decisions ----
let streamAbort;
let paused = false;
let pending = [];
let nextBefore = null;
const MAX_ROWS = 500;

const filterQuery = () => {
  const q = new URLSearchParams();
  for (const [k, v] of new FormData($('#filters'))) if (String(v).trim()) q.set(k, String(v).trim());
  return q;
};
const shortPrincipal = (arn) => {
  const m = /^arn:aws:(?:iam|sts)::\d{12}:(.*)$/.exec(arn);
  return m ? m[1] : arn;
};

function decisionRow(d) {
  const tr = h('tr', { tabindex: 0, 'data-id': d.id, class: d.decision, 'aria-label': `${d.decision} ${d.action} by ${d.principal}` },
    h('td', {}, h('time', { datetime: d.at }, d.at.slice(11, 23))),
    h('td', {}, h('span', { class: `badge ${d.decision}` }, d.decision === 'deny' && d.proceeded ? `deny (${d.mode})` : d.decision)),
    h('td', { title: d.principal }, shortPrincipal(d.principal)),
    h('td', { title: d.action }, d.action),
    h('td', { class: 'resource', title: d.resource }, d.resource));
  const open = () => {
    for (const r of document.querySelectorAll('#decisions tr[aria-selected]')) r.removeAttribute('aria-selected');
    tr.setAttribute('aria-selected', 'true');
    showWhy(d.id);
  };
  tr.addEventListener('click', open);
  tr.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(); }
    if (e.key === 'ArrowDown') { e.preventDefault(); tr.nextElementSibling?.focus(); }
    if (e.key === 'ArrowUp') { e.preventDefault(); tr.previousElementSibling?.focus(); }
  });
  return tr;
}

function prepend(entries) {
  const body = $('#decisions tbody');
  // Entries arrive oldest first: newest goes on top.
  for (const d of entries) body.prepend(decisionRow(d));
  while (body.rows.length > MAX_ROWS) body.lastElementChild.remove();
}

async function loadDecisions() {
  const q = filterQuery();
  q.set('limit', '100');
  const { decisions, next } = await api(`/console/decisions?${q}`);
  const body = $('#decisions tbody');
  body.replaceChildren(...decisions.map(decisionRow));
  nextBefore = next;
  $('#more').hidden = next === null;
}

async function loadOlder() {
  const q = filterQuery();
  q.set('limit', '100');
  q.set('before', String(nextBefore));
  const { decisions, next } = await api(`/console/decisions?${q}`);
  $('#decisions tbody').append(...decisions.map(decisionRow));
  nextBefore = next;
  $('#more').hidden = next === null;
}

/** The live stream: fetch() and not EventSource, so that the admin token goes in a header, never in a URL. */
async function connectStream() {
  streamAbort?.abort();
  const abort = new AbortController();
  streamAbort = abort;
  try {
    const res = await fetch(`${API}/console/stream?${filterQuery()}`, { headers: authHeaders(), signal: abort.signal });
    if (res.status === 401) return showLogin();
    if (!res.ok || !res.body) throw new Error(`stream: HTTP ${res.status}`);
    status('live');
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = frame.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
        if (!data) continue;
        const entries = JSON.parse(data);
        if (paused) pending.push(...entries);
        else prepend(entries);
        if (paused) $('#pause').textContent = `Resume (${pending.length} new)`;
      }
    }
  } catch (error) {
    if (abort.signal.aborted) return;
    status(`stream lost: ${error.message}; retrying`);
  }
  if (!abort.signal.aborted) setTimeout(() => { if (streamAbort === abort) void connectStream(); }, 1000);
}

let decisionsStarted = false;
function showDecisions() {
  if (decisionsStarted) return;
  decisionsStarted = true;
  void loadDecisions().then(connectStream, (e) => {
    decisionsStarted = false; // signing in shows the view again
    status(e.message);
  });
}
$('#filters').addEventListener('submit', (event) => {
  event.preventDefault();
  pending = [];
  void loadDecisions().then(connectStream, (e) => status(e.message));
});
$('#more').addEventListener('click', () => void loadOlder().catch((e) => status(e.message)));
$('#pause').addEventListener('click', () => {
  paused = !paused;
  $('#pause').setAttribute('aria-pressed', String(paused));
  $('#pause').textContent = paused ? 'Resume' : 'Pause';
  status(paused ? 'paused' : 'live');
  if (!paused) {
    prepend(pending);
    pending = [];
  }
});

// ---- Why ----
const REASONS = {
  'explicit-identity': 'An explicit Deny in an identity-based policy.',
  'explicit-resource': 'An explicit Deny in a resource-based policy.',
  'explicit-boundary': 'An explicit Deny in the permissions boundary.',
  'explicit-session': 'An explicit Deny in a session policy.',
  'no-identity': 'Implicit deny: no identity-based policy allows the action.',
  'no-resource': 'Implicit deny: the resource-based policy (for AssumeRole, the role\'s trust policy) does not allow the caller.',
  'no-boundary': 'Implicit deny: the permissions boundary does not allow the action.',
  'no-session': 'Implicit deny: no session policy allows the action.',
  'explicit-scp': 'An explicit Deny in a service control policy (SCP) of the caller\'s organization: no policy of the account can allow it.',
  'explicit-rcp': 'An explicit Deny in a resource control policy (RCP) of the resource\'s organization: no policy of the account can allow it.',
  'no-scp': 'Implicit deny: at some level (root, OU or account) no service control policy allows the action.',
  'no-rcp': 'Implicit deny: at some level (root, OU or account) no resource control policy allows the action.',
};

/** A policy document with its statements laid out one by one, the deciding ones marked. */
function policyView(text, matched, effectOf) {
  let doc;
  try { doc = JSON.parse(text); } catch { return h('pre', {}, text); }
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  return h('ol', { class: 'statements', start: 0 }, statements.map((st, i) => h('li', { class: matched.includes(i) ? `matched ${effectOf(i)}` : '' },
    h('div', { class: 'st-head' }, `Statement ${i}${st?.Sid ? ` (Sid ${st.Sid})` : ''}`, matched.includes(i) ? h('strong', {}, ` — decided this (${effectOf(i)})`) : ''),
    h('pre', {}, JSON.stringify(st, null, 2)))));
}

async function showWhy(id) {
  const body = $('#why-body');
  body.replaceChildren(h('p', {}, 'Loading…'));
  let w;
  try { w = await api(`/console/why?id=${id}`); } catch (e) { body.replaceChildren(h('p', { class: 'error' }, e.message)); return; }
  const effectOf = (policy) => (i) => w.statements.find((s) => s.policy === policy && s.index === i)?.effect ?? '';
  const parts = [
    h('dl', { class: 'facts' },
      h('dt', {}, 'Principal'), h('dd', {}, w.principal),
      h('dt', {}, 'Action'), h('dd', {}, w.action),
      h('dt', {}, 'Resource'), h('dd', {}, w.resource || '—'),
      h('dt', {}, 'Decision'), h('dd', {}, h('span', { class: `badge ${w.decision}` }, w.decision), w.decision === 'deny' ? ` (${w.mode === 'on' ? 'enforced' : `not enforced: ${w.mode}`})` : '')),
  ];
  if (w.decision === 'deny') parts.push(h('p', { class: 'reason' }, REASONS[w.reason] ?? w.reason ?? ''));
  if (w.guardrailGap) parts.push(h('p', { class: 'reason' }, `No ${w.guardrailGap.policyType} attached to ${w.guardrailGap.target} allows the action: attach one that does (${w.guardrailGap.fullAccess}, or one naming the action) there.`));
  if (w.statements.length) {
    parts.push(h('h3', {}, w.decision === 'deny' ? 'Denied by' : 'Allowed by'), h('ul', {}, w.statements.map((s) =>
      h('li', { class: 'statement-ref' }, `${s.effect} statement ${s.index}${s.sid ? ` (Sid ${s.sid})` : ''} of ${s.kind} policy ${s.policy}${s.versionId ? ` version ${s.versionId}` : ''}`))));
  } else if (w.decision === 'deny') {
    // The policy type the reason names allowed nothing; the others were consulted too.
    const lacking = { 'no-identity': (t) => t === 'identity', 'no-resource': (t) => t.includes('resource-based'), 'no-boundary': (t) => t === 'permissions boundary', 'no-session': (t) => t === 'session', 'no-scp': (t) => t === 'service control policy', 'no-rcp': (t) => t === 'resource control policy' }[w.reason] ?? (() => false);
    parts.push(h('h3', {}, 'Policy types consulted'), h('ul', { class: 'consulted-types' }, w.consulted.map((p) =>
      h('li', { class: lacking(p.type) ? 'lacking' : '' }, `${p.type}: ${p.id}${p.versionId ? ` ${p.versionId}` : ''}`, lacking(p.type) ? h('strong', {}, ' — allowed nothing') : ''))));
  }
  if (w.message) parts.push(h('h3', {}, 'AccessDenied message the client got'), h('pre', { class: 'message' }, w.message));
  if (w.missingTrustStatement) {
    const out = h('p', { role: 'status' });
    parts.push(h('h3', {}, 'Missing trust-policy statement'),
      h('p', {}, 'The role\'s trust policy has no statement letting this caller do this. This statement would:'),
      h('pre', { class: 'added' }, JSON.stringify(w.missingTrustStatement, null, 2)),
      h('button', { type: 'button', id: 'apply-trust', onclick: async () => {
        try {
          await api(`/console/trust/apply?id=${w.id}`, { method: 'POST' });
          out.textContent = 'Added to the role\'s trust policy. Run the call again.';
        } catch (e) { out.textContent = e.message; }
      } }, 'Add it to the trust policy'), out);
  }
  parts.push(h('h3', {}, 'Policies'));
  for (const p of w.consulted) {
    const editor = h('textarea', { 'aria-label': `Edit ${p.id} for simulation`, rows: 10, class: 'editor', hidden: true }, p.document ?? '');
    const result = h('p', { role: 'status', class: 'sim-result' });
    parts.push(h('section', { class: 'policy', 'data-policy': p.id },
      h('h4', {}, `${p.type}: ${p.id}${p.versionId ? ` (${p.versionId})` : ''}`),
      p.note ? h('p', { class: 'hint' }, p.note) : '',
      p.document ? policyView(p.document, p.matched, effectOf(p.id)) : '',
      p.document ? h('div', { class: 'row' },
        h('button', { type: 'button', class: 'edit', onclick: () => { editor.hidden = !editor.hidden; if (!editor.hidden) editor.focus(); } }, 'Edit and simulate'),
        h('button', { type: 'button', class: 'simulate', onclick: async () => {
          try {
            const r = await api(`/console/simulate?id=${w.id}`, { method: 'POST', body: { policyId: p.id, document: editor.value } });
            result.textContent = `Simulated: ${r.decision}${r.reason ? ` (${r.reason})` : ''}${r.statements.length ? ` by ${r.statements.map((s) => `${s.policy}#${s.index}`).join(', ')}` : ''}`;
          } catch (e) { result.textContent = e.message; }
        } }, 'Simulate')) : '',
      editor, result));
  }
  const ctxRows = Object.entries(w.context).map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, v.join(', '))));
  parts.push(h('h3', {}, 'Request context keys'), h('table', { class: 'context' }, h('tbody', {}, ctxRows)));
  parts.push(h('details', {}, h('summary', {}, 'Encoded authorization message (for sts decode-authorization-message)'), h('pre', { class: 'wrap' }, w.encodedMessage)));
  const principalLink = h('button', { type: 'button', onclick: () => {
    const role = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\//.exec(w.principal);
    $('#advice-principal').value = role ? `arn:aws:iam::${role[1]}:role/${role[2]}` : w.principal;
    location.hash = '#advice';
    $('#advice-form').requestSubmit();
  } }, 'Least privilege for this principal');
  parts.push(h('p', {}, principalLink));
  body.replaceChildren(...parts);
  $('#why').focus();
}

// ---- Least privilege ----
/** Offers the users and roles of the state as principals to advise on. */
function showAdvice() {
  api('/console/state').then((s) => {
    $('#principals').replaceChildren(...[...s.roles, ...s.users].map((p) => h('option', { value: p.arn })));
  }, () => undefined);
}

/** Actions per statement, to compare the advice with what the attached policies grant. */
const actionsOf = (doc) => {
  const out = new Set();
  for (const st of [doc.Statement].flat()) if (st?.Effect === 'Allow') for (const a of [st.Action ?? []].flat()) out.add(a);
  return out;
};

$('#advice-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData($('#advice-form'));
  const q = new URLSearchParams({ principal: String(form.get('principal')).trim(), granularity: String(form.get('granularity')) });
  const body = $('#advice-body');
  body.replaceChildren(h('p', {}, 'Loading…'));
  try {
    const [advice, unused] = await Promise.all([api(`/advice?${q}`), api(`/unused?${q}`)]);
    const terraform = await api(`/advice?${q}&format=terraform`, { text: true });
    if (!advice.policy) { body.replaceChildren(h('p', {}, advice.message ?? 'nothing to advise')); return; }
    const advisedText = JSON.stringify(advice.policy, null, 2);
    const used = actionsOf(advice.policy);
    const out = h('p', { role: 'status' });
    const copy = (text) => async () => {
      try { await navigator.clipboard.writeText(text); out.textContent = 'Copied.'; } catch { out.textContent = 'The browser refused the clipboard: select the text instead.'; }
    };
    body.replaceChildren(
      h('p', {}, `${advice.calls} recorded calls that went ahead.`),
      h('div', { class: 'diff' },
        h('section', {}, h('h3', {}, 'Granted now, unused (to remove)'), h('ul', { class: 'removed-list' },
          unused.statements.flatMap((s) => (s.unusedActions ?? []).map((a) => h('li', { class: 'removed' }, `- ${a} (${s.policy}${s.sid ? ` Sid ${s.sid}` : ` statement ${s.index}`})`))))),
        h('section', {}, h('h3', {}, 'Advised policy (used)'), h('ul', { class: 'added-list' }, [...used].map((a) => h('li', { class: 'added' }, `+ ${a}`))),
          h('pre', { class: 'added', id: 'advised-json' }, advisedText))),
      h('div', { class: 'row' },
        h('button', { type: 'button', id: 'apply-advice', onclick: async () => {
          try {
            const r = await api(`/advice/apply?${q}`, { method: 'POST' });
            out.textContent = `Applied: ${r.applied}${r.note ? `. ${r.note}` : ''}`;
          } catch (e) { out.textContent = e.message; }
        } }, 'Apply as new default version'),
        h('button', { type: 'button', onclick: copy(advisedText) }, 'Copy as JSON'),
        h('button', { type: 'button', onclick: copy(terraform) }, 'Copy as Terraform')),
      out,
      h('details', {}, h('summary', {}, 'Terraform'), h('pre', {}, terraform)));
  } catch (e) { body.replaceChildren(h('p', { class: 'error' }, e.message)); }
});

// ---- State ----
async function showState() {
  const body = $('#state-body');
  try {
    const [s, snaps] = await Promise.all([api('/console/state'), api('/snapshots')]);
    $('#snapshots').replaceChildren(...snaps.snapshots.map((n) => h('option', {}, typeof n === 'string' ? n : n.name)));
    const doc = (text) => h('details', {}, h('summary', {}, 'document'), h('pre', {}, (() => { try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text; } })()));
    const table = (caption, heads, rows) => h('table', { class: 'state' }, h('caption', {}, `${caption} (${rows.length})`),
      h('thead', {}, h('tr', {}, heads.map((x) => h('th', { scope: 'col' }, x)))), h('tbody', {}, rows));
    body.replaceChildren(
      h('p', {}, `Accounts: ${s.accounts.join(', ')}`),
      table('Users', ['ARN', 'Attached', 'Inline', 'Boundary'], s.users.map((u) => h('tr', {}, h('td', {}, u.arn), h('td', {}, u.attachedPolicies.join(', ')),
        h('td', {}, u.inlinePolicies.map((p) => h('div', {}, p.name, doc(p.document)))), h('td', {}, u.permissionsBoundary ?? '')))),
      table('Roles', ['ARN', 'Trust policy', 'Attached', 'Inline', 'Boundary', 'Last used'], s.roles.map((r) => h('tr', {}, h('td', {}, r.arn), h('td', {}, doc(r.trustPolicy)),
        h('td', {}, r.attachedPolicies.join(', ')), h('td', {}, r.inlinePolicies.map((p) => h('div', {}, p.name, doc(p.document)))), h('td', {}, r.permissionsBoundary ?? ''), h('td', {}, r.lastUsed ?? 'never')))),
      table('Managed policies', ['ARN', 'Versions'], s.policies.map((p) => h('tr', {}, h('td', {}, p.arn),
        h('td', {}, p.versions.map((v) => h('div', {}, `${v.id}${v.id === p.defaultVersion ? ' (default)' : ''} `, doc(v.document))))))),
      table('Buckets', ['Name', 'Account', 'Objects', 'Policy'], s.buckets.map((b) => h('tr', {}, h('td', {}, b.name), h('td', {}, b.account), h('td', {}, String(b.objects)), h('td', {}, b.policy ? doc(b.policy) : 'none')))),
      table('Role sessions', ['ARN', 'Access key', 'Expires'], s.sessions.map((x) => h('tr', {}, h('td', {}, x.arn), h('td', {}, x.accessKeyId), h('td', {}, `${x.expiresAt}${x.expired ? ' (expired)' : ''}`)))));
  } catch (e) { body.replaceChildren(h('p', { class: 'error' }, e.message)); }
}
const stateAction = (fn) => async () => {
  try { status(await fn()); await showState(); } catch (e) { status(e.message); }
};
$('#refresh-state').addEventListener('click', () => void showState());
$('#take-snapshot').addEventListener('click', stateAction(async () => { const n = $('#snapshot-name').value.trim(); await api(`/snapshots/${encodeURIComponent(n)}`, { method: 'POST' }); return `snapshot ${n} taken`; }));
$('#restore-snapshot').addEventListener('click', stateAction(async () => {
  const n = $('#snapshots').value;
  if (!n || !confirm(`Restore snapshot ${n}? The current state is replaced.`)) return 'not restored';
  await api(`/snapshots/${encodeURIComponent(n)}/restore`, { method: 'POST' });
  return `restored ${n}`;
}));
for (const to of ['fixtures', 'empty']) {
  $(`#reset-${to}`).addEventListener('click', stateAction(async () => {
    if (!confirm(`Reset the state to ${to}? The decision log is emptied too.`)) return 'not reset';
    await api(`/reset?to=${to}`, { method: 'POST' });
    return `reset to ${to}`;
  }));
}

route();
