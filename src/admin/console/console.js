// connect-local console: plain JS over the admin API (same origin). Every value from the server is
// put into the page as text, never as HTML.
'use strict';

const API = '/_connect-local/';
const DAY = 86400;
const POLL_MS = 1000;
const $ = (id) => document.getElementById(id);

const ui = {
  account: '000000000000',
  region: 'us-east-1',
  token: sessionStorage.getItem('connect-local-admin-token') || '',
  state: null,
  blocks: [],
  polling: null,
};

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

const svg = (tag, attrs = {}, text) => {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
};

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (ui.token) headers.Authorization = `Bearer ${ui.token}`;
  const res = await fetch(API + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let data = {};
  try { data = await res.json(); } catch { /* not JSON */ }
  if (res.status === 401) $('token-box').hidden = false;
  if (!res.ok) throw new ApiError(res.status, data.error || `${res.status} ${res.statusText}`);
  return data;
}

function say(text, isError = false) {
  const m = $('message');
  m.textContent = text;
  m.className = isError ? 'error' : '';
  m.hidden = !text;
}

// Runs an action, reporting its error, then refreshes what it may have changed.
async function act(fn, after = refresh) {
  try {
    const text = await fn();
    if (text) say(text);
  } catch (e) {
    say(e.message, true);
  }
  await after();
}

const fmtTime = (s) => new Date(s * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
const fmtDate = (s) => new Date(s * 1000).toISOString().slice(0, 10);
const badge = (status) => el('span', { class: `badge ${status}` }, status);
const scopeQuery = () => `account_id=${encodeURIComponent(ui.account)}&region=${encodeURIComponent(ui.region)}`;

function targetName(arn) {
  const s = ui.state;
  if (!s) return arn;
  const inst = s.instances.find((i) => i.arn === arn);
  if (inst) return `instance ${inst.alias || inst.id}`;
  const g = s.groups.find((x) => x.arn === arn);
  if (g) return `group ${g.name}`;
  return arn;
}

function fill(tableId, rows, emptyId) {
  const body = $(tableId).tBodies[0];
  body.replaceChildren(...rows);
  $(tableId).hidden = rows.length === 0;
  if (emptyId) $(emptyId).hidden = rows.length !== 0;
}

function renderInstances(s) {
  fill('instances', s.instances.map((i) => {
    const share = i.quota > 0 ? Math.min(1, i.numbers / i.quota) : 1;
    const bar = el('span', { class: share >= 1 ? 'bar full' : 'bar' }, el('span', { style: `width:${Math.round(share * 100)}%` }));
    const repl = i.replica_region ? `replica in ${i.replica_region}` : i.source_region ? `replica of ${i.source_region}` : '';
    return el('tr', { 'data-id': i.id }, el('td', {}, i.alias || ''), el('td', { class: 'mono' }, el('span', { class: 'id', title: i.arn }, i.id)),
      el('td', {}, badge(i.status)), el('td', {}, i.identity_management_type),
      el('td', {}, bar, `${i.numbers} / ${i.quota}`), el('td', {}, repl));
  }), 'instances-empty');
}

function renderGroups(s) {
  fill('groups', s.groups.map((g) => {
    const inst = s.instances.find((i) => i.id === g.instance_id);
    return el('tr', {}, el('td', {}, g.name, g.is_default ? ' (default)' : ''),
      el('td', { class: 'mono' }, el('span', { class: 'id', title: g.arn }, g.id)),
      el('td', {}, inst ? inst.alias || inst.id : g.instance_id), el('td', {}, badge(g.status)), el('td', {}, g.numbers));
  }), 'groups-empty');
}

function renderNumbers(s) {
  $('numbers-count').textContent = s.numbers.length ? `(${s.numbers.length})` : '';
  fill('numbers', s.numbers.map((n) => {
    const tags = Object.entries(n.tags || {}).map(([k, v]) => el('span', { class: 'tag' }, `${k}=${v}`));
    const flow = n.flow_arn ? el('span', { class: 'id mono', title: n.flow_arn }, n.flow_arn.split('/').pop()) : '—';
    const release = el('button', {
      class: 'danger', type: 'button', disabled: n.status === 'IN_PROGRESS',
      title: n.status === 'IN_PROGRESS' ? 'a workflow is in progress' : 'release this number',
      onclick: () => act(async () => {
        await api('POST', 'release', { account_id: ui.account, region: ui.region, phone_number_id: n.id });
        return `Released ${n.phone_number}.`;
      }),
    }, 'Release');
    return el('tr', { 'data-number': n.phone_number, 'data-status': n.status },
      el('td', { class: 'mono' }, n.phone_number),
      el('td', { title: n.message || '' }, badge(n.status), n.message ? el('div', { class: 'empty' }, n.message) : null),
      el('td', {}, n.type), el('td', {}, n.country), el('td', { title: n.target_arn }, targetName(n.target_arn)),
      el('td', {}, tags.length ? tags : '—'), el('td', {}, flow), el('td', {}, release));
  }), 'numbers-empty');
}

function renderTargets(s) {
  const select = $('search-target');
  const previous = select.value;
  const options = [
    ...s.instances.map((i) => el('option', { value: i.arn }, `instance ${i.alias || i.id}`)),
    ...s.groups.filter((g) => g.status === 'ACTIVE').map((g) => el('option', { value: g.arn }, `group ${g.name}`)),
  ];
  const same = options.length === select.options.length &&
    options.every((o, k) => o.value === select.options[k].value && o.textContent === select.options[k].textContent);
  if (same) return;
  select.replaceChildren(...options);
  if (options.some((o) => o.value === previous)) select.value = previous;
}

// The trailing-window count as a step function of time, over [now - window, now + window].
function renderChart(s) {
  const r = s.releases;
  const chart = $('release-chart');
  const W = 720, H = 220, L = 40, R = 12, T = 12, B = 28;
  const win = Math.max(1, r.window_days) * DAY;
  // From one window back to a little over one window ahead, so every release is seen leaving.
  const t0 = s.now - win, t1 = s.now + win * 1.1;
  const times = r.times;
  const countAt = (t) => times.filter((x) => x > t - win && x <= t).length;
  // The count changes where a release enters (x) or leaves (x + window) the window.
  const events = new Set([t0, s.now, t1]);
  for (const x of times) for (const e of [x, x + win]) if (e > t0 && e < t1) events.add(e);
  const xs = [...events].sort((a, b) => a - b);
  const maxY = Math.max(r.limit, ...xs.map((t) => countAt(Math.min(t, s.now)))) + 1;
  const X = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - R);
  const Y = (n) => T + (1 - n / maxY) * (H - T - B);
  const parts = [];
  // Axes and grid.
  const step = Math.max(1, Math.ceil(maxY / 5));
  for (let n = 0; n <= maxY; n += step) {
    parts.push(svg('line', { class: 'grid', x1: L, x2: W - R, y1: Y(n), y2: Y(n) }));
    parts.push(svg('text', { x: L - 6, y: Y(n) + 4, 'text-anchor': 'end' }, String(n)));
  }
  parts.push(svg('line', { class: 'axis', x1: L, x2: W - R, y1: Y(0), y2: Y(0) }));
  parts.push(svg('line', { class: 'axis', x1: L, x2: L, y1: T, y2: Y(0) }));
  const ticks = [[t0, 'start'], [s.now - win / 2, 'middle'], [s.now, 'middle'], [s.now + win / 2, 'middle'], [t1, 'end']];
  for (const [t, anchor] of ticks) parts.push(svg('text', { x: X(t), y: H - 8, 'text-anchor': anchor }, fmtDate(t)));
  // The count as a step path over [from, to]: measured up to now, projected after (nothing more released).
  const steps = (from, to) => {
    const inside = xs.filter((t) => t > from && t < to);
    let prev = countAt(from);
    let d = `M ${X(from)} ${Y(0)} L ${X(from)} ${Y(prev)}`;
    for (const t of [...inside, to]) {
      const n = t === to ? prev : countAt(t);
      d += ` L ${X(t)} ${Y(prev)} L ${X(t)} ${Y(n)}`;
      prev = n;
    }
    return `${d} L ${X(to)} ${Y(0)} Z`;
  };
  parts.push(svg('path', { class: 'count', d: steps(t0, s.now) }));
  parts.push(svg('path', { class: 'projected', d: steps(s.now, t1) }));
  parts.push(svg('line', { class: 'limit', x1: L, x2: W - R, y1: Y(r.limit), y2: Y(r.limit) }));
  parts.push(svg('text', { class: 'limit-label', x: L + 6, y: Y(r.limit) - 5 },
    `limit ${r.limit} (${Math.round((s.quotas.claim_release_ratio || 0) * 100)} % of ${s.quotas.phone_numbers_per_instance})`));
  parts.push(svg('line', { class: 'now', x1: X(s.now), x2: X(s.now), y1: T, y2: Y(0) }));
  parts.push(svg('text', { x: X(s.now) + 4, y: T + 10 }, 'now'));
  if (r.blocked && r.claim_again_at && r.claim_again_at <= t1) {
    const x = X(r.claim_again_at);
    parts.push(svg('line', { class: 'again', x1: x, x2: x, y1: T, y2: Y(0) }));
    parts.push(svg('text', { class: 'again-label', x: x - 4, y: T + 10, 'text-anchor': 'end' }, `claims again ${fmtDate(r.claim_again_at)}`));
  }
  chart.replaceChildren(...parts);

  const summary = $('release-summary');
  let text = `${r.in_window} release${r.in_window === 1 ? '' : 's'} in the last ${r.window_days} days; ` +
    `limit ${r.limit}${r.rule ? '' : ' (rule off)'}; released numbers cool down for ${r.cooldown_days} days.`;
  if (r.blocked && r.claim_again_at) text += ` Claims are blocked: this account can claim again on ${fmtTime(r.claim_again_at)}.`;
  else text += ' Claims are allowed.';
  summary.textContent = text;
  summary.className = r.blocked ? 'blocked' : '';
}

function renderQuotas(s, force) {
  const form = $('quotas-form');
  if (!force && form.contains(document.activeElement)) return;  // do not overwrite while editing
  for (const [k, v] of Object.entries(s.quotas)) {
    const input = form.elements[k];
    if (!input) continue;
    if (input.type === 'checkbox') input.checked = !!v;
    else input.value = v;
  }
}

function render(s, force = false) {
  ui.state = s;
  $('clock').textContent = fmtTime(s.now);
  renderInstances(s);
  renderGroups(s);
  renderNumbers(s);
  renderTargets(s);
  renderChart(s);
  renderQuotas(s, force);
}

async function refresh(force = false) {
  try {
    render(await api('GET', `state?${scopeQuery()}`), force);
  } catch (e) {
    say(e.message, true);
  }
}

async function loadScopes() {
  try {
    const a = await api('GET', 'accounts');
    const region = $('region');
    if (!region.options.length) {
      region.replaceChildren(...a.regions.map((r) => el('option', { value: r }, r)));
      region.value = ui.region;
    }
    $('account-list').replaceChildren(...a.accounts.map((x) => el('option', { value: x })));
    $('scopes').replaceChildren(...a.scopes.map((sc) => el('button', {
      type: 'button', class: sc.account_id === ui.account && sc.region === ui.region ? 'current' : '',
      onclick: () => openScope(sc.account_id, sc.region),
    }, `${sc.account_id} ${sc.region} · ${sc.instances} inst · ${sc.numbers} numbers`)));
  } catch (e) {
    say(e.message, true);
  }
}

async function loadFaults() {
  try {
    const f = await api('GET', 'faults');
    fill('faults', f.faults.map((r) => el('tr', {},
      el('td', { class: 'mono' }, r.id), el('td', {}, r.operation), el('td', { class: 'mono' }, r.prefix || '*'),
      el('td', {}, r.probability),
      el('td', {}, r.error_code ? `${r.error_code}${r.after_commit ? ' after commit' : ''}: ${r.message}` : `claims FAIL: ${r.claim_failure_message}`),
      el('td', {}, el('button', { class: 'danger', type: 'button', onclick: () => act(async () => {
        await api('DELETE', `faults?id=${encodeURIComponent(r.id)}`);
        return `Removed fault rule ${r.id}.`;
      }, loadFaults) }, 'Remove')))));
  } catch (e) {
    say(e.message, true);
  }
}

function renderBlocks() {
  const f = $('block-filter').value.trim().toUpperCase();
  const rows = ui.blocks.filter((b) => !f || b.country === f || b.prefix.startsWith(f) || b.type.includes(f));
  $('blocks-count').textContent = `(${rows.length} of ${ui.blocks.length})`;
  fill('blocks', rows.map((b) => el('tr', {}, el('td', {}, b.country), el('td', {}, b.type),
    el('td', { class: 'mono' }, b.prefix), el('td', {}, b.length))));
}

async function loadBlocks() {
  try {
    ui.blocks = (await api('GET', 'inventory')).blocks;
    renderBlocks();
  } catch (e) {
    say(e.message, true);
  }
}

function openScope(account, region) {
  ui.account = account;
  ui.region = region;
  $('account').value = account;
  $('region').value = region;
  $('results').tBodies[0].replaceChildren();
  const url = new URL(location.href);
  url.searchParams.set('account_id', account);
  url.searchParams.set('region', region);
  history.replaceState(null, '', url);
  refresh(true).then(loadScopes);
}

function wire() {
  $('scope-form').addEventListener('submit', (e) => {
    e.preventDefault();
    openScope($('account').value.trim(), $('region').value);
  });
  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    ui.token = $('token').value;
    sessionStorage.setItem('connect-local-admin-token', ui.token);
    $('token-box').hidden = true;
    say('');
    start();
  });
  const advance = (seconds) => act(async () => {
    const c = await api('POST', 'clock', { advance_seconds: seconds });
    return `Domain clock now ${fmtTime(c.now)}.`;
  });
  for (const b of document.querySelectorAll('[data-advance]')) b.addEventListener('click', () => advance(Number(b.dataset.advance)));
  $('clock-form').addEventListener('submit', (e) => {
    e.preventDefault();
    advance(Math.round(Number($('advance-days').value) * DAY));
  });
  $('search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    act(async () => {
      const body = { account_id: ui.account, region: ui.region, target_arn: $('search-target').value,
        country: $('search-country').value.trim().toUpperCase(), type: $('search-type').value, max_results: 10 };
      const prefix = $('search-prefix').value.trim();
      if (prefix) body.prefix = prefix;
      const r = await api('POST', 'search', body);
      const list = r.AvailableNumbersList || [];
      $('results').tBodies[0].replaceChildren(...list.map((n) => el('tr', { 'data-number': n.PhoneNumber },
        el('td', { class: 'mono' }, n.PhoneNumber), el('td', {}, n.PhoneNumberCountryCode), el('td', {}, n.PhoneNumberType),
        el('td', {}, el('button', { type: 'button', onclick: (ev) => act(async () => {
          const button = ev.target;
          button.disabled = true;  // one claim per click; enabled again when it is refused
          try {
            await api('POST', 'claim', { account_id: ui.account, region: ui.region, target_arn: body.target_arn,
              phone_number: n.PhoneNumber });
          } catch (e) {
            button.disabled = false;
            throw e;
          }
          button.closest('tr').remove();
          return `Claimed ${n.PhoneNumber}: IN_PROGRESS until the transient delay passes.`;
        }) }, 'Claim')))));
      return list.length ? `${list.length} available number${list.length === 1 ? '' : 's'}.` : 'No available numbers match.';
    }, async () => {});
  });
  $('quotas-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const f = e.target.elements;
    act(async () => {
      await api('PUT', 'quotas', {
        account_id: ui.account, region: ui.region,
        phone_numbers_per_instance: Number(f.phone_numbers_per_instance.value), instances: Number(f.instances.value),
        claim_release_ratio: Number(f.claim_release_ratio.value),
        claim_release_window_days: Number(f.claim_release_window_days.value),
        claim_release_rule: f.claim_release_rule.checked, cooldown_days: Number(f.cooldown_days.value),
      });
      document.activeElement.blur();
      return 'Quotas saved.';
    }, () => refresh(true));
  });
  $('fault-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const f = e.target.elements;
    const rule = { operation: f.operation.value.trim(), probability: Number(f.probability.value) };
    for (const k of ['prefix', 'error_code', 'message', 'claim_failure_message']) if (f[k].value.trim()) rule[k] = f[k].value.trim();
    if (f.after_commit.checked) rule.after_commit = true;
    act(async () => {
      await api('POST', 'faults', rule);
      return 'Fault rule added.';
    }, loadFaults);
  });
  $('block-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const f = e.target.elements;
    act(async () => {
      await api('POST', 'inventory', { blocks: [{ country: f.country.value.trim().toUpperCase(), type: f.type.value.trim(),
        prefix: f.prefix.value.trim(), length: Number(f.namedItem('length').value) }] });  // f.length is the count
      return 'Block added.';
    }, loadBlocks);
  });
  $('block-filter').addEventListener('input', renderBlocks);
}

function start() {
  loadScopes();
  loadFaults();
  loadBlocks();
  refresh(true);
  clearInterval(ui.polling);
  let ticks = 0;
  ui.polling = setInterval(() => {
    if (document.hidden) return;
    refresh();
    if (++ticks % 5 === 0) loadScopes();
  }, POLL_MS);
}

document.addEventListener('DOMContentLoaded', () => {
  const q = new URLSearchParams(location.search);
  ui.account = q.get('account_id') || ui.account;
  ui.region = q.get('region') || ui.region;
  $('account').value = ui.account;
  wire();
  start();
});
