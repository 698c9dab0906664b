// The trends dashboard: follows /api/stream (server-sent `top` and `rising` events) and
// reloads /api/windows whenever a window closes. Every piece of data (hashtags, tweet texts, window
// names) is inserted as text (textContent, createTextNode), never parsed as markup.
'use strict';

const SVG_NS = 'http://www.w3.org/2000/svg';
const COLORS = ['#2f6fdf', '#d2423b', '#1e9e5a', '#e08a1e', '#8a4fd0', '#18a3b5', '#c2459a', '#6d7a1c'];
const TIMELINE_SERIES = 6;

const params = new URLSearchParams(window.location.search);
const state = {
  window: params.get('window'),
  n: params.get('n') || '10',
  source: null,
  closedStart: undefined,
};

function byId(id) {
  return document.getElementById(id);
}

// An element with optional class and text content.
function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function svgEl(tag, attrs) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

function pad(n) {
  return String(n).padStart(2, '0');
}

function clock(ms) {
  const d = new Date(ms);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

function day(ms) {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

// "2026-01-01 00:00:00 - 00:00:10", or "through ..." for cumulative totals.
function span(info) {
  if (info.window_start_ms === null || info.window_start_ms === undefined) {
    return `through ${day(info.window_end_ms)} ${clock(info.window_end_ms)}`;
  }
  return `${day(info.window_start_ms)} ${clock(info.window_start_ms)} - ${clock(info.window_end_ms)}`;
}

function score(x) {
  return (x >= 0 ? '+' : '') + Number(x).toFixed(3);
}

function setStatus(live) {
  const s = byId('status');
  s.dataset.state = live ? 'live' : 'connecting';
  s.textContent = live ? 'live' : 'reconnecting…';
}

function query() {
  const q = new URLSearchParams({ n: state.n });
  if (state.window) q.set('window', state.window);
  return q.toString();
}

function connect() {
  if (state.source) state.source.close();
  const source = new EventSource(`/api/stream?${query()}`);
  source.addEventListener('top', (event) => {
    setStatus(true);
    renderTop(JSON.parse(event.data));
  });
  source.addEventListener('rising', (event) => renderRising(JSON.parse(event.data)));
  source.addEventListener('open', () => setStatus(true));
  source.addEventListener('error', () => setStatus(false));
  state.source = source;
}

function renderWindowChoices(doc) {
  const select = byId('window-select');
  const names = doc.windows.includes(doc.window) ? doc.windows : [doc.window, ...doc.windows];
  const current = Array.from(select.options).map((o) => o.value);
  if (current.join('\n') !== names.join('\n')) {
    clear(select);
    for (const name of names) {
      const option = el('option', null, name);
      option.value = name;
      select.appendChild(option);
    }
  }
  select.value = doc.window;
}

function renderBars(win) {
  const list = byId('bars');
  clear(list);
  if (!win) return;
  list.classList.toggle('open', !win.final);
  const max = Math.max(1, ...win.top.map((t) => t.count));
  for (const tag of win.top) {
    const row = el('li', 'bar');
    row.dataset.key = tag.key;
    const label = el('span', 'label', `#${tag.hashtag}`);
    label.title = `#${tag.hashtag}`;
    const track = el('span', 'track');
    const fill = el('span', 'fill');
    fill.style.width = `${(100 * tag.count) / max}%`;
    track.appendChild(fill);
    const count = el('span', 'count', tag.error ? `${tag.count}±${tag.error}` : tag.count);
    if (tag.sentiment) {
      count.appendChild(el('span', 'tag-sentiment', score(tag.sentiment.mean)));
    }
    row.append(label, track, count);
    list.appendChild(row);
  }
}

function summaryText(info) {
  const s = info.summary;
  return s ? ` · ${s.tweets} tweets, ${s.distinct_hashtags} hashtags` : '';
}

// The sources in the order the dashboard names them; a window's summary lists those it counted.
const SOURCE_NAMES = [['twitter', 'Twitter'], ['bluesky', 'Bluesky'], ['mastodon', 'Mastodon']];

// "Sources: Twitter 1,234 · Bluesky 56": which sources fed the window, with their posts.
function sourcesText(info) {
  const counts = info && info.summary && info.summary.sources;
  if (!counts) return '';
  const parts = SOURCE_NAMES
    .filter(([key]) => counts[key])
    .map(([key, name]) => `${name} ${counts[key].toLocaleString('en-US')}`);
  return parts.length > 0 ? `Sources: ${parts.join(' · ')}` : '';
}

function renderTop(doc) {
  state.window = doc.window;
  renderWindowChoices(doc);
  const current = doc.open.length > 0 ? doc.open[0] : doc.closed;
  const caption = byId('current-caption');
  if (current) {
    const kind = current.final ? 'final counts' : 'open, early counts';
    caption.textContent = `${span(current)} UTC · ${kind}${summaryText(current)}`;
  } else {
    caption.textContent = 'Waiting for the first window…';
  }
  byId('sources').textContent = sourcesText(current);
  renderBars(current);
  const closedCaption = byId('closed-caption');
  closedCaption.textContent = doc.closed && doc.open.length > 0
    ? `Last closed: ${span(doc.closed)} UTC${summaryText(doc.closed)}`
    : '';
  renderSentiment(doc.closed && doc.closed.summary ? doc.closed.summary.sentiment : null);
  const closedStart = doc.closed ? `${doc.closed.window_start_ms}|${doc.closed.window_end_ms}` : null;
  if (closedStart !== state.closedStart) {
    state.closedStart = closedStart;
    loadHistory();
  }
}

// "×6.0 over usual": the count against the count the earlier windows predict; "new" for a
// hashtag they never mentioned (no baseline to divide by).
function overUsual(tag) {
  if (tag.new || !(tag.baseline > 0)) return 'new';
  return `×${(tag.count / tag.baseline).toFixed(1)} over usual`;
}

function risingRow(tag) {
  const row = el('li', 'rising-tag');
  row.dataset.key = tag.key;
  const label = el('span', 'label', `#${tag.hashtag}`);
  label.title = `#${tag.hashtag}`;
  const count = el('span', 'count', tag.count);
  const ratio = el('span', 'ratio', overUsual(tag));
  ratio.classList.toggle('new', ratio.textContent === 'new');
  ratio.title = `usual: ${tag.baseline}`;
  row.append(label, count, ratio, el('span', 'score', `z ${Number(tag.score).toFixed(1)}`));
  return row;
}

// The latest closed window's rising hashtags; hidden while the window definition has none
// (none closed yet, rising off, or cumulative totals).
function renderRising(doc) {
  if (doc.window !== state.window) return;
  const win = doc.closed;
  byId('rising').hidden = !win;
  const list = byId('rising-list');
  clear(list);
  if (!win) return;
  const earlier = win.history_windows === 1 ? 'window' : 'windows';
  byId('rising-caption').textContent =
    `${span(win)} UTC · against ${win.history_windows} earlier ${earlier}`;
  for (const tag of win.rising) list.appendChild(risingRow(tag));
  const empty = byId('rising-empty');
  empty.hidden = win.rising.length > 0;
  empty.textContent = win.history_windows === 0 ? 'warming up: no earlier windows yet' : 'nothing rising';
}

function renderExtreme(id, tweet) {
  const figure = byId(id);
  figure.hidden = !tweet;
  if (!tweet) return;
  figure.querySelector('.score').textContent = score(tweet.score);
  figure.querySelector('.text').textContent = tweet.text;
}

function renderSentiment(s) {
  const panel = byId('sentiment');
  panel.hidden = !s;
  if (!s) return;
  byId('sentiment-mean').textContent = score(s.mean);
  byId('sentiment-scored').textContent = String(s.scored);
  const total = Math.max(1, s.positive + s.neutral + s.negative);
  const split = byId('sentiment-split');
  for (const kind of ['positive', 'neutral', 'negative']) {
    split.querySelector(`.${kind}`).style.width = `${(100 * s[kind]) / total}%`;
  }
  // Only English tweets are scored; the others are counted apart.
  const notScored = s.not_scored_language ? ` · ${s.not_scored_language} not scored (language)` : '';
  byId('sentiment-counts').textContent =
    `${s.positive} positive · ${s.neutral} neutral · ${s.negative} negative${notScored}`;
  renderExtreme('most-positive', s.most_positive);
  renderExtreme('most-negative', s.most_negative);
}

async function loadHistory() {
  try {
    const response = await fetch(`/api/windows?${query()}`);
    if (!response.ok) return;
    const doc = await response.json();
    if (doc.window !== state.window) return;
    renderTimeline(doc);
    renderHistory(doc);
  } catch (e) {
    setStatus(false);
  }
}

function renderTimeline(doc) {
  const plot = byId('timeline-svg');
  const legend = byId('legend');
  clear(plot);
  clear(legend);
  const series = doc.series.slice(0, TIMELINE_SERIES);
  const windows = doc.windows;
  const max = Math.max(1, ...series.flatMap((s) => s.counts));
  byId('timeline-max').textContent = windows.length ? String(max) : '';
  byId('timeline-first').textContent = windows.length ? clock(windows[0].window_start_ms) : '';
  byId('timeline-last').textContent =
    windows.length > 1 ? clock(windows[windows.length - 1].window_start_ms) : '';
  const x = (i) => (windows.length > 1 ? (600 * i) / (windows.length - 1) : 300);
  const y = (c) => 200 - (190 * c) / max;
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const points = s.counts.map((c, j) => `${x(j)},${y(c)}`).join(' ');
    const line = svgEl('polyline', { points, stroke: color });
    const title = svgEl('title', {});
    title.textContent = `#${s.hashtag}`;
    line.appendChild(title);
    plot.appendChild(line);
    // A dot per window (zero-length round-capped lines keep their shape in a stretched plot).
    s.counts.forEach((c, j) => {
      plot.appendChild(svgEl('line', { x1: x(j), y1: y(c), x2: x(j), y2: y(c), stroke: color, class: 'dot' }));
    });
    const item = el('li');
    const swatch = el('span', 'swatch');
    swatch.style.background = color;
    item.append(swatch, document.createTextNode(`#${s.hashtag}`));
    legend.appendChild(item);
  });
}

function extremeCell(tweet) {
  const cell = el('td', 'text sentiment-col');
  if (tweet) cell.textContent = `${score(tweet.score)} ${tweet.text}`;
  return cell;
}

function renderHistory(doc) {
  const rows = byId('history-rows');
  clear(rows);
  let anySentiment = false;
  for (const w of doc.windows.slice().reverse()) {
    const tr = el('tr');
    const s = w.summary;
    const sentiment = s && s.sentiment;
    anySentiment = anySentiment || Boolean(sentiment);
    const top = w.top_hashtag;
    tr.append(
      el('td', null, span(w)),
      el('td', 'num', s ? s.tweets : ''),
      el('td', 'num', s ? s.distinct_hashtags : ''),
      el('td', 'text', top ? `#${top.hashtag} (${top.count})` : ''),
      el('td', 'num sentiment-col', sentiment ? score(sentiment.mean) : ''),
      extremeCell(sentiment && sentiment.most_positive),
      extremeCell(sentiment && sentiment.most_negative),
    );
    rows.appendChild(tr);
  }
  byId('history-table').classList.toggle('no-sentiment', !anySentiment);
}

function init() {
  byId('window-select').addEventListener('change', (event) => {
    state.window = event.target.value;
    state.closedStart = undefined;
    const url = new URL(window.location.href);
    url.searchParams.set('window', state.window);
    window.history.replaceState(null, '', url);
    connect();
  });
  connect();
}

init();
