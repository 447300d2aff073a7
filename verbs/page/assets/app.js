// app.js: the bones live page.  Draws the picture the hub pushes (schema
// bones.top/v1, docs/top.md) as server-sent events.  Every text from the
// swarm goes through textContent (never parsed as HTML), with control
// characters shown escaped as in `bones top`.
'use strict';

const SVG = 'http://www.w3.org/2000/svg';
const $ = (id) => document.getElementById(id);

// Control characters (C0, DEL, C1) as \xNN, like bones' terminal output.
function clean(v) {
  return String(v ?? '').replace(/[\u0000-\u001f\u007f-\u009f]/g,
    (c) => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0'));
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = clean(text);
  return e;
}

function svgEl(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = clean(text);
  return e;
}

function fill(list, items, make, empty) {
  list.replaceChildren();
  if (!items || items.length === 0) {
    if (empty) list.append(el('li', 'muted', empty));
    return;
  }
  for (const it of items) list.append(make(it));
}

function age(ms) {
  if (ms === null || ms === undefined) return '?';
  const s = Math.floor(ms / 1000);
  if (s < 60) return s + 's';
  if (s < 3600) return Math.floor(s / 60) + 'm';
  if (s < 86400) return Math.floor(s / 3600) + 'h';
  return Math.floor(s / 86400) + 'd';
}

// fossil's times are UTC "YYYY-MM-DD HH:MM:SS".
function when(text) {
  const t = Date.parse(String(text || '').replace(' ', 'T') + (/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? '' : 'Z'));
  return Number.isNaN(t) ? null : t;
}

// One color per committer, in the order render() lists them.
const PALETTE = ['#2563eb', '#c2410c', '#15803d', '#9333ea', '#b91c1c', '#0e7490', '#a16207', '#be185d', '#4d7c0f', '#475569'];
let colors = new Map();
function color(name) {
  if (!colors.has(name)) colors.set(name, PALETTE[colors.size % PALETTE.length]);
  return colors.get(name);
}

// The committers: slots' agents first (a slot commits as its agent), then
// whoever else committed (the hub's seed, git imports).
function committers(d) {
  const users = [];
  for (const s of d.slots || []) if (s.agent && !users.includes(s.agent)) users.push(s.agent);
  for (const c of (d.trunk || {}).checkins || []) if (!users.includes(c.user)) users.push(c.user);
  return users;
}

function renderSlots(d) {
  const body = $('slots').tBodies[0];
  body.replaceChildren();
  const slots = d.slots || [];
  $('slots-count').textContent = slots.length ? '(' + slots.length + ')' : '';
  $('slots-empty').hidden = slots.length > 0;
  for (const s of slots) {
    const tr = document.createElement('tr');
    tr.dataset.slot = clean(s.slot);
    tr.append(el('td', 'id', s.slot), el('td', null, s.agent));
    const task = el('td');
    if (s.task) {
      task.append(el('span', 'id', s.task));
      if (s.title) task.append(document.createTextNode(' '), el('span', null, s.title));
    } else {
      task.append(el('span', 'muted', 'none'));
    }
    tr.append(task);
    tr.append(el('td', 'state-' + clean(s.state), clean(s.state) + ' ' + age(s.idle_ms)));
    tr.append(el('td', 'num', s.commits ?? ''));
    tr.append(el('td', 'holds', (s.holds || []).join(', ')));
    body.append(tr);
  }
}

function renderTasks(d) {
  const t = d.tasks || {};
  const counts = [['ready', t.ready], ['claimed', t.claimed], ['blocked', t.blocked], ['open', t.open], ['closed', t.closed], ['total', t.total]];
  fill($('task-counts'), counts, ([name, n]) => {
    const li = el('li');
    li.dataset.count = name;
    li.append(el('b', null, n ?? '?'), document.createTextNode(' ' + name));
    return li;
  });
  fill($('ready'), t.ready_top, (r) => {
    const li = el('li');
    li.append(el('span', 'id', r.id), document.createTextNode(' '), el('span', null, r.title));
    if (r.priority !== undefined && r.priority !== null) li.append(el('span', 'muted', ' p' + r.priority));
    return li;
  }, 'nothing ready');
}

function renderCoord(d) {
  const c = d.coord || {};
  fill($('checkpoints'), c.checkpoints, (p) => {
    const waiting = (p.behind || []).length;
    const li = el('li', null, p.name + ' round ' + p.round + ': ' + (p.at_round || []).join(', ') +
      (waiting ? ' (waiting for ' + p.behind.join(', ') + ')' : ''));
    return li;
  }, 'none');
  fill($('handoffs'), c.handoffs, (h) => el('li', null, h.from + ' \u2192 ' + h.to + ': ' + (h.message || '')), 'none');
  fill($('broadcasts'), c.broadcasts, (b) => {
    const li = el('li');
    li.append(el('span', 'muted', '#' + clean(b.channel) + ' ' + clean(b.agent) + ': '), el('span', 'message', b.message));
    return li;
  }, 'none');
}

function renderTrunk(d) {
  const t = d.trunk || {};
  const state = $('trunk-state');
  state.replaceChildren();
  if (t.leaves === 1) state.append(el('span', 'badge ok', 'linear'));
  else if (t.leaves > 1) state.append(el('span', 'badge bad', t.leaves + ' leaves: forked'));
  const cis = t.checkins || [];
  let summary = cis.length + ' newest check-in' + (cis.length === 1 ? '' : 's');
  if (t.unapplied !== null && t.unapplied !== undefined) summary += ' \u00b7 ' + t.unapplied + ' not yet applied to git';
  if (t.error) summary += ' \u00b7 ' + clean(t.error);
  $('trunk-summary').textContent = summary;
  const svg = $('trunk');
  svg.replaceChildren();
  const row = 34, top = 12;
  svg.setAttribute('viewBox', '0 0 420 ' + Math.max(40, top * 2 + row * cis.length));
  svg.setAttribute('height', Math.max(40, top * 2 + row * cis.length));
  if (cis.length > 1) svg.append(svgEl('line', {class: 'trunk', x1: 14, y1: top, x2: 14, y2: top + row * (cis.length - 1)}));
  cis.forEach((ci, i) => {
    const y = top + row * i;
    const g = svgEl('g', {'data-id': clean(ci.id)});
    g.append(svgEl('circle', {cx: 14, cy: y, r: i === 0 ? 7 : 5, fill: color(ci.user), stroke: '#fff', 'stroke-width': 2}));
    g.append(svgEl('text', {x: 30, y: y + 4, class: 'comment'}, String(ci.comment || '').slice(0, 60)));
    const ms = when(ci.when);
    g.append(svgEl('text', {x: 30, y: y + 17, class: 'small'},
      String(ci.id).slice(0, 10) + ' \u00b7 ' + ci.user + ' \u00b7 ' + (ms ? age(Date.now() - ms) + ' ago' : ci.when)));
    g.append(svgEl('title', {}, ci.id + '\n' + ci.user + ' ' + ci.when + '\n' + ci.comment));
    svg.append(g);
  });
}

// One lane per committer, check-ins placed by time.
function renderTimeline(d) {
  const cis = ((d.trunk || {}).checkins || []).map((c) => ({...c, t: when(c.when)})).filter((c) => c.t !== null);
  const svg = $('timeline');
  svg.replaceChildren();
  const users = committers(d);
  const lane = 26, left = 110, width = 800, right = 20;
  const height = Math.max(50, 30 + lane * users.length);
  svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
  svg.setAttribute('height', height);
  if (cis.length === 0) {
    svg.append(svgEl('text', {x: 0, y: 20, class: 'small'}, 'no check-ins yet'));
  }
  const t0 = Math.min(...cis.map((c) => c.t)), t1 = Math.max(Date.now(), ...cis.map((c) => c.t));
  const span = Math.max(1000, t1 - t0);
  const x = (t) => left + (width - left - right) * (t - t0) / span;
  users.forEach((u, i) => {
    const y = 14 + lane * i;
    const g = svgEl('g', {'data-lane': clean(u)});
    g.append(svgEl('text', {x: 0, y: y + 4}, String(u).slice(0, 16)));
    g.append(svgEl('line', {class: 'axis', x1: left, y1: y, x2: width - right, y2: y}));
    for (const c of cis.filter((c) => c.user === u)) {
      const dot = svgEl('circle', {cx: x(c.t).toFixed(1), cy: y, r: 5, fill: color(u)});
      dot.append(svgEl('title', {}, c.id.slice(0, 10) + ' ' + c.when + '\n' + c.comment));
      g.append(dot);
    }
    svg.append(g);
  });
  if (cis.length) {
    const y = height - 6;
    svg.append(svgEl('text', {x: left, y, class: 'small'}, new Date(t0).toISOString().slice(11, 19) + ' UTC'));
    svg.append(svgEl('text', {x: width - right, y, class: 'small', 'text-anchor': 'end'}, 'now'));
  }
}

function render(env) {
  const d = (env && env.data) || {};
  const err = $('error');
  err.hidden = !d.error;
  err.textContent = d.error ? 'cannot read the swarm: ' + clean(d.error) : '';
  $('workspace').textContent = clean(d.workspace || '');
  $('at').textContent = d.at ? 'as of ' + clean(d.at) : '';
  if (!d.error) {
    colors = new Map();
    committers(d).forEach(color);
    renderSlots(d);
    renderTasks(d);
    renderCoord(d);
    renderTrunk(d);
    renderTimeline(d);
  }
  document.body.dataset.updates = String(Number(document.body.dataset.updates) + 1);
  document.body.dataset.at = clean(d.at || '');
}

function connState(state) {
  const c = $('conn');
  c.className = 'conn ' + state;
  c.textContent = {live: 'live', lost: 'reconnecting', connecting: 'connecting'}[state];
}

const events = new EventSource('/events');
events.addEventListener('open', () => connState('live'));
events.addEventListener('error', () => connState('lost'));
events.addEventListener('view', (ev) => {
  connState('live');
  try {
    render(JSON.parse(ev.data));
  } catch (e) {
    $('error').hidden = false;
    $('error').textContent = 'bad picture from the hub: ' + e.message;
  }
});
