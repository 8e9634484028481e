// The stylesheet and script inlined into `renderHtmlReport`'s page. The script reads its data from
// `<script type="application/json" id="lastswitch-data">` and builds every element with
// `textContent` (never `innerHTML`), so no value from a trail can become markup.
// Plain ES2019 inside String.raw: no backticks, no `${`, no `</` in here.

/** The report page's stylesheet (screen and print). */
export const HTML_REPORT_CSS = String.raw`
:root{--active:#2e7d32;--active-bg:#dcefdc;--stale:#b26a00;--stale-bg:#ffe2b3;--never:#b3261e;--never-bg:#f9d2cf;--none-bg:#f3f4f6;--line:#d0d4da;--muted:#5f6673;--accent:#1f4f99;color-scheme:light}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1b1f24;background:#fff}
header,main>section{padding:12px 20px}
h1{font-size:22px;margin:4px 0 2px}
h2{font-size:17px;margin:8px 0}
h3{font-size:15px;margin:12px 0 4px}
.meta{color:var(--muted);margin:0 0 8px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0}
.card{border:1px solid var(--line);border-radius:6px;padding:6px 12px;min-width:96px}
.card b{display:block;font-size:20px}
.card.active{border-left:5px solid var(--active)}.card.stale{border-left:5px solid var(--stale)}.card.never{border-left:5px solid var(--never)}
.controls{display:flex;flex-wrap:wrap;gap:8px 14px;align-items:center;margin:6px 0}
.controls label{display:inline-flex;gap:6px;align-items:center}
input,select,button{font:inherit}
input[type=search]{min-width:16em}
button{cursor:pointer}
.pager{display:inline-flex;gap:6px;align-items:center}
.count{color:var(--muted)}
.legend{display:inline-flex;gap:12px;flex-wrap:wrap;align-items:center}
.swatch{display:inline-block;width:14px;height:14px;border:1px solid var(--line);vertical-align:-2px;margin-right:4px}
.scroll{overflow:auto;max-width:100%}
table{border-collapse:collapse}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
thead th{position:sticky;top:0;background:#f7f8fa;z-index:1;white-space:nowrap}
thead th button{border:0;background:none;padding:0;font-weight:600;color:inherit}
thead th[aria-sort=ascending] button::after{content:" \25B2"}
thead th[aria-sort=descending] button::after{content:" \25BC"}
#pairs tbody tr{cursor:pointer}
#pairs tbody tr:hover{background:#eef3fb}
td.c-age,td.c-last{white-space:nowrap}
td.c-num{text-align:right}
.wrap{overflow-wrap:break-word}
td.c-principal,td.c-role{white-space:nowrap}
.arn{display:block;color:var(--muted);font-size:12px}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600}
.b-active{background:var(--active-bg);color:var(--active)}.b-stale{background:var(--stale-bg);color:var(--stale)}.b-never{background:var(--never-bg);color:var(--never)}
#matrix th.row{position:sticky;left:0;background:#fff;z-index:1;white-space:nowrap;max-width:22em;overflow:hidden;text-overflow:ellipsis}
#matrix th.row button{border:0;background:none;padding:0;color:var(--accent);text-align:left}
#matrix thead th{font-size:12px}
#matrix td{text-align:center;min-width:34px;padding:2px 4px;border:1px solid #fff;cursor:pointer;font-size:12px}
.s-active{background:var(--active-bg);color:var(--active)}.s-stale{background:var(--stale-bg);color:var(--stale)}.s-never{background:var(--never-bg);color:var(--never)}.s-none{background:var(--none-bg);color:transparent}
#matrix td.s-none{cursor:default}
#detail{position:fixed;top:0;right:0;bottom:0;width:min(920px,100%);background:#fff;border-left:1px solid var(--line);box-shadow:-6px 0 18px rgba(0,0,0,.12);overflow:auto;padding:12px 20px;z-index:5}
#detail[hidden]{display:none}
#detail .close{float:right}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:6px 0}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;overflow-wrap:anywhere}
.plan-item{border:1px solid var(--line);border-radius:6px;padding:6px 10px;margin:8px 0}
.note{color:var(--muted)}
.noscript{padding:20px}
.print-note{display:none}
@media print{
  @page{margin:12mm}
  body{font-size:10pt}
  .controls,.pager,#detail .close,.no-print{display:none!important}
  .scroll{overflow:visible}
  thead{display:table-header-group}
  thead th{position:static}
  tr{break-inside:avoid}
  #matrix th.row{position:static}
  #detail{position:static;width:auto;box-shadow:none;border:0;border-top:2px solid #000;padding:12px 0;break-before:page}
  #pairs tbody tr:hover{background:none}
  .print-note{display:block;color:var(--muted)}
  *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
`;

/** The report page's script: renders the summary, matrix, table and details from the embedded JSON. */
export const HTML_REPORT_CLIENT = String.raw`
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('lastswitch-data').textContent);
  var STATUS = ['active', 'stale', 'never'];
  var P = D.principals, R = D.roles, S = D.sources, PAIRS = D.pairs;
  var PRINT_LIMIT = 5000;
  var MATRIX_PAGE = 100;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) if (arguments[i]) parent.appendChild(arguments[i]);
    return parent;
  }
  function num(n) { return Number(n).toLocaleString('en-US'); }
  function plural(n, one, many) { return num(n) + ' ' + (n === 1 ? one : many); }
  function day(ms) { return ms === null ? '-' : new Date(ms).toISOString().slice(0, 10); }
  function minute(ms) { return ms === null ? '-' : new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + 'Z'; }
  function age(d) { return d === null ? '-' : d === 1 ? '1 day' : num(d) + ' days'; }
  function via(bits) {
    var out = [];
    for (var i = 0; i < D.methods.length; i++) if (bits & (1 << i)) out.push(D.methods[i]);
    return out.join(', ') || '-';
  }
  function principalLabel(i) {
    var p = P[i];
    if (p[3] === 'unresolved') return 'unresolved ' + p[1] + ' (' + p[2] + ')';
    return p[2] === '' ? p[1] : p[1] + ' (' + p[2] + ')';
  }
  function roleLabel(i) {
    var r = R[i];
    if (r[0] === '*') return 'any role';
    if (r[0] === r[3] && (r[0].indexOf('*') >= 0 || r[0].indexOf('?') >= 0)) return r[0];
    return r[1];
  }
  function accountLabel(a) { return a === '' ? 'any' : a; }
  function badge(code) { return el('span', 'badge b-' + STATUS[code], STATUS[code]); }
  function source(i) { return i < 0 ? '-' : S[i]; }
  function cmpStr(a, b) { return a < b ? -1 : a > b ? 1 : 0; }

  // ---- per-principal index ----
  var byPrincipal = [];
  for (var i = 0; i < P.length; i++) byPrincipal.push([]);
  var accountSet = {};
  for (var k = 0; k < PAIRS.length; k++) {
    byPrincipal[PAIRS[k][0]].push(k);
    accountSet[R[PAIRS[k][1]][2]] = true;
  }
  var ACCOUNTS = Object.keys(accountSet).sort();
  var withPairs = [];
  for (var pi = 0; pi < P.length; pi++) if (byPrincipal[pi].length > 0) withPairs.push(pi);

  var app = document.getElementById('app');

  // ---- header and summary ----
  var header = el('header');
  add(header, el('h1', null, D.title));
  var meta = 'As of ' + D.generatedAt + ' \u00B7 stale after ' + age(D.staleAfterDays);
  if (D.graceDays !== null) meta += ' \u00B7 grace ' + age(D.graceDays);
  if (D.grantsFrom) meta += ' \u00B7 grants from ' + D.grantsFrom;
  add(header, el('p', 'meta', meta));
  var cards = el('div', 'cards');
  cards.id = 'summary';
  [['principals', 'Principals', ''], ['pairs', 'Pairs', ''], ['active', 'Active', 'active'], ['stale', 'Stale', 'stale'], ['never', 'Never', 'never']].forEach(function (c) {
    var card = el('div', 'card ' + c[2]);
    card.setAttribute('data-summary', c[0]);
    add(card, el('b', null, num(D.summary[c[0]])), el('span', null, c[1]));
    add(cards, card);
  });
  add(header, cards);
  if (D.plan) {
    var ps = D.plan.summary;
    add(header, el('p', 'meta', 'Removal plan of ' + D.plan.generatedAt + ': ' + plural(ps.actions, 'proposed change', 'proposed changes') + ' for ' + plural(ps.grants, 'grant', 'grants') + ' (' + num(ps.stale) + ' stale, ' + num(ps.never) + ' never used). Nothing has been applied; click a principal to see their changes.'));
  }
  add(app, header);
  var main = el('main');
  add(app, main);

  function pagerControls(onMove) {
    var box = el('span', 'pager');
    var prev = el('button', null, '\u2039 Prev');
    var info = el('span', 'count');
    var next = el('button', null, 'Next \u203A');
    prev.type = next.type = 'button';
    prev.addEventListener('click', function () { onMove(-1); });
    next.addEventListener('click', function () { onMove(1); });
    add(box, prev, info, next);
    return { box: box, prev: prev, next: next, info: info };
  }

  if (PAIRS.length === 0) {
    var empty = el('section');
    add(empty, el('h2', null, 'Nothing to report'), el('p', null, 'The ledger is empty: no role switches recorded, and no grants to review.'));
    add(main, empty);
  }

  // ---- matrix ----
  var cellCache = {};
  function cellOf(p, a) {
    var key = p + '|' + a;
    var c = cellCache[key];
    if (c) return c;
    c = { worst: -1, counts: [0, 0, 0], pairs: [] };
    var list = byPrincipal[p];
    for (var j = 0; j < list.length; j++) {
      var row = PAIRS[list[j]];
      if (R[row[1]][2] !== a) continue;
      c.counts[row[2]] += 1;
      c.pairs.push(list[j]);
      if (row[2] > c.worst) c.worst = row[2];
    }
    cellCache[key] = c;
    return c;
  }
  var principalStats = withPairs.map(function (p) {
    var counts = [0, 0, 0], last = null;
    byPrincipal[p].forEach(function (k) {
      var row = PAIRS[k];
      counts[row[2]] += 1;
      if (row[3] !== null && (last === null || row[3] > last)) last = row[3];
    });
    return { p: p, counts: counts, last: last, name: P[p][1].toLowerCase() + '\u0000' + P[p][0] };
  });
  var statsOf = {};
  principalStats.forEach(function (s) { statsOf[s.p] = s; });
  var accountStats = {};
  ACCOUNTS.forEach(function (a) { accountStats[a] = 0; });
  for (var q = 0; q < PAIRS.length; q++) if (PAIRS[q][2] > 0) accountStats[R[PAIRS[q][1]][2]] += 1;

  var M = { rowSort: 'worst', colSort: 'account', byAccount: null, page: 0, rows: [], cols: [] };
  if (PAIRS.length > 0) {
    var ms = el('section');
    ms.id = 'matrix-section';
    add(ms, el('h2', null, 'Who holds access where'));
    add(ms, el('p', 'meta', 'Each cell is one principal in one account, coloured by the worst status of their roles there (never is worse than stale, stale worse than active); the number is how many roles. Click a cell or a name for details; click an account to sort by it.'));
    var legend = el('div', 'legend');
    legend.id = 'legend';
    [['active', 'active: switched within the window'], ['stale', 'stale: last switch older than the window'], ['never', 'never: allowed, never switched'], ['none', 'no role in this account']].forEach(function (l) {
      var item = el('span');
      add(item, el('span', 'swatch s-' + l[0]), document.createTextNode(l[1]));
      add(legend, item);
    });
    add(ms, legend);
    var mc = el('div', 'controls');
    var rowSel = el('select');
    rowSel.id = 'm-sort-rows';
    [['worst', 'most never/stale first'], ['name', 'name'], ['last', 'last switch, oldest first']].forEach(function (o) {
      var opt = el('option', null, o[1]); opt.value = o[0]; add(rowSel, opt);
    });
    var colSel = el('select');
    colSel.id = 'm-sort-cols';
    [['account', 'account'], ['worst', 'most never/stale first']].forEach(function (o) {
      var opt = el('option', null, o[1]); opt.value = o[0]; add(colSel, opt);
    });
    var l1 = el('label', null, 'Rows by'); add(l1, rowSel);
    var l2 = el('label', null, 'Columns by'); add(l2, colSel);
    var mp = pagerControls(function (d) { M.page += d; drawMatrix(); });
    add(mc, l1, l2, mp.box);
    add(ms, mc);
    var mscroll = el('div', 'scroll');
    var mtable = el('table');
    mtable.id = 'matrix';
    add(mscroll, mtable);
    add(ms, mscroll);
    add(main, ms);
    rowSel.addEventListener('change', function () { M.rowSort = rowSel.value; M.byAccount = null; M.page = 0; drawMatrix(); });
    colSel.addEventListener('change', function () { M.colSort = colSel.value; drawMatrix(); });
  }

  function sortMatrix() {
    var rows = principalStats.slice();
    if (M.byAccount !== null) {
      var a = M.byAccount;
      rows.sort(function (x, y) { return cellOf(y.p, a).worst - cellOf(x.p, a).worst || cmpStr(x.name, y.name); });
    } else if (M.rowSort === 'name') rows.sort(function (x, y) { return cmpStr(x.name, y.name); });
    else if (M.rowSort === 'last') rows.sort(function (x, y) {
      var xl = x.last === null ? -Infinity : x.last, yl = y.last === null ? -Infinity : y.last;
      return xl - yl || cmpStr(x.name, y.name);
    });
    else rows.sort(function (x, y) {
      return y.counts[2] - x.counts[2] || y.counts[1] - x.counts[1] || cmpStr(x.name, y.name);
    });
    M.rows = rows.map(function (s) { return s.p; });
    M.cols = ACCOUNTS.slice();
    if (M.colSort === 'worst') M.cols.sort(function (x, y) { return accountStats[y] - accountStats[x] || cmpStr(x, y); });
  }

  function cellTitle(p, a, c) {
    var parts = [];
    for (var s = 2; s >= 0; s--) if (c.counts[s]) parts.push(c.counts[s] + ' ' + STATUS[s]);
    return principalLabel(p) + ' in ' + accountLabel(a) + ': ' + (parts.join(', ') || 'no role');
  }

  function drawMatrix() {
    if (PAIRS.length === 0) return;
    sortMatrix();
    var pages = Math.max(1, Math.ceil(M.rows.length / MATRIX_PAGE));
    M.page = Math.min(Math.max(0, M.page), pages - 1);
    var from = M.page * MATRIX_PAGE, to = Math.min(M.rows.length, from + MATRIX_PAGE);
    var table = document.getElementById('matrix');
    var thead = el('thead'), hr = el('tr');
    add(hr, el('th', null, 'Principal'));
    M.cols.forEach(function (a) {
      var th = el('th');
      th.setAttribute('scope', 'col');
      var b = el('button', null, accountLabel(a));
      b.type = 'button';
      b.title = 'Sort principals by their status in ' + accountLabel(a);
      b.addEventListener('click', function () { M.byAccount = a; M.page = 0; drawMatrix(); });
      if (M.byAccount === a) th.setAttribute('aria-sort', 'descending');
      add(th, b);
      add(hr, th);
    });
    add(thead, hr);
    var tbody = el('tbody');
    for (var r = from; r < to; r++) {
      (function (p) {
        var tr = el('tr');
        var th = el('th', 'row');
        th.setAttribute('scope', 'row');
        var b = el('button', null, principalLabel(p));
        b.type = 'button';
        b.title = P[p][0];
        b.addEventListener('click', function () { showDetail(p); });
        add(th, b);
        add(tr, th);
        M.cols.forEach(function (a) {
          var c = cellOf(p, a);
          var td = el('td', 's-' + (c.worst < 0 ? 'none' : STATUS[c.worst]), c.worst < 0 ? '' : String(c.pairs.length));
          td.title = cellTitle(p, a, c);
          td.setAttribute('data-status', c.worst < 0 ? 'none' : STATUS[c.worst]);
          if (c.worst >= 0) td.addEventListener('click', function () { showDetail(p); });
          add(tr, td);
        });
        add(tbody, tr);
      })(M.rows[r]);
    }
    table.textContent = '';
    add(table, thead, tbody);
    mp.info.textContent = 'principals ' + num(M.rows.length === 0 ? 0 : from + 1) + '\u2013' + num(to) + ' of ' + num(M.rows.length) + ' \u00D7 ' + num(M.cols.length) + ' accounts';
    mp.prev.disabled = M.page === 0;
    mp.next.disabled = M.page >= pages - 1;
  }

  // ---- pair table ----
  var COLUMNS = [
    { key: 'status', label: 'Status' },
    { key: 'last', label: 'Last switch' },
    { key: 'age', label: 'Age' },
    { key: 'principal', label: 'Principal' },
    { key: 'role', label: 'Role' },
    { key: 'account', label: 'Account' },
    { key: 'via', label: 'Via' }
  ];
  if (D.showGrants) COLUMNS.push({ key: 'grant', label: 'Grant' });
  var T = { status: '', account: '', text: '', sort: null, dir: 1, page: 0, size: 200, view: null, printing: false };
  var hay = null;
  var tableSection, tbodyEl, theadRow, countEl, tp;
  if (PAIRS.length > 0) {
    tableSection = el('section');
    tableSection.id = 'pairs-section';
    add(tableSection, el('h2', null, 'Every principal and role'));
    var tc = el('div', 'controls');
    var fs = el('select');
    fs.id = 'f-status';
    [['', 'all'], ['active', 'active'], ['stale', 'stale'], ['never', 'never']].forEach(function (o) {
      var opt = el('option', null, o[1]); opt.value = o[0]; add(fs, opt);
    });
    var fa = el('select');
    fa.id = 'f-account';
    var any = el('option', null, 'all'); any.value = ''; add(fa, any);
    ACCOUNTS.forEach(function (a) { var opt = el('option', null, accountLabel(a)); opt.value = a; add(fa, opt); });
    var ft = el('input');
    ft.id = 'f-text';
    ft.type = 'search';
    ft.placeholder = 'principal, role, account, grant\u2026';
    var fz = el('select');
    fz.id = 'f-size';
    [50, 200, 1000].forEach(function (n) { var opt = el('option', null, String(n)); opt.value = String(n); add(fz, opt); });
    fz.value = '200';
    var la = el('label', null, 'Status'); add(la, fs);
    var lb = el('label', null, 'Account'); add(lb, fa);
    var lc = el('label', null, 'Search'); add(lc, ft);
    var ld = el('label', null, 'Rows per page'); add(ld, fz);
    tp = pagerControls(function (d) { T.page += d; drawTable(); });
    add(tc, la, lb, lc, ld, tp.box);
    add(tableSection, tc);
    countEl = el('p', 'count');
    countEl.id = 'pairs-count';
    add(tableSection, countEl);
    add(tableSection, el('p', 'print-note'));
    var tscroll = el('div', 'scroll');
    var table = el('table');
    table.id = 'pairs';
    var thead = el('thead');
    theadRow = el('tr');
    COLUMNS.forEach(function (c) {
      var th = el('th');
      th.setAttribute('scope', 'col');
      th.setAttribute('data-col', c.key);
      var b = el('button', null, c.label);
      b.type = 'button';
      b.addEventListener('click', function () {
        if (T.sort === c.key) T.dir = -T.dir; else { T.sort = c.key; T.dir = 1; }
        T.page = 0;
        refilter();
      });
      add(th, b);
      add(theadRow, th);
    });
    add(thead, theadRow);
    tbodyEl = el('tbody');
    add(table, thead, tbodyEl);
    add(tscroll, table);
    add(tableSection, tscroll);
    add(main, tableSection);
    fs.addEventListener('change', function () { T.status = fs.value; T.page = 0; refilter(); });
    fa.addEventListener('change', function () { T.account = fa.value; T.page = 0; refilter(); });
    fz.addEventListener('change', function () { T.size = Number(fz.value); T.page = 0; drawTable(); });
    var timer = null;
    ft.addEventListener('input', function () {
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(function () { timer = null; T.text = ft.value.trim().toLowerCase(); T.page = 0; refilter(); }, 120);
    });
  }

  function haystack() {
    if (hay !== null) return hay;
    hay = new Array(PAIRS.length);
    for (var k = 0; k < PAIRS.length; k++) {
      var row = PAIRS[k], p = P[row[0]], r = R[row[1]];
      hay[k] = (p[1] + '\u0000' + p[0] + '\u0000' + (p[4] || '') + '\u0000' + r[1] + '\u0000' + r[3] + '\u0000' + r[2] + '\u0000' + source(row[7])).toLowerCase();
    }
    return hay;
  }

  var SORTERS = {
    status: function (a, b) { return PAIRS[a][2] - PAIRS[b][2]; },
    last: function (a, b) {
      var x = PAIRS[a][3], y = PAIRS[b][3];
      return (x === null ? -Infinity : x) - (y === null ? -Infinity : y);
    },
    age: function (a, b) {
      var x = PAIRS[a][5], y = PAIRS[b][5];
      return (x === null ? Infinity : x) - (y === null ? Infinity : y);
    },
    principal: function (a, b) { return cmpStr(principalLabel(PAIRS[a][0]), principalLabel(PAIRS[b][0])); },
    role: function (a, b) { return cmpStr(roleLabel(PAIRS[a][1]), roleLabel(PAIRS[b][1])); },
    account: function (a, b) { return cmpStr(R[PAIRS[a][1]][2], R[PAIRS[b][1]][2]); },
    via: function (a, b) { return cmpStr(via(PAIRS[a][6]), via(PAIRS[b][6])); },
    grant: function (a, b) { return cmpStr(source(PAIRS[a][7]), source(PAIRS[b][7])); }
  };

  function refilter() {
    var status = T.status === '' ? -1 : STATUS.indexOf(T.status);
    var h = T.text === '' ? null : haystack();
    var view = [];
    for (var k = 0; k < PAIRS.length; k++) {
      var row = PAIRS[k];
      if (status >= 0 && row[2] !== status) continue;
      if (T.account !== '' && R[row[1]][2] !== T.account) continue;
      if (h !== null && h[k].indexOf(T.text) < 0) continue;
      view.push(k);
    }
    if (T.sort !== null) {
      var f = SORTERS[T.sort], dir = T.dir;
      view.sort(function (a, b) { return dir * f(a, b) || a - b; });
    }
    T.view = view;
    drawTable();
  }

  function pairRow(k) {
    var row = PAIRS[k];
    var tr = el('tr');
    tr.setAttribute('data-status', STATUS[row[2]]);
    tr.setAttribute('data-days', row[5] === null ? '' : String(row[5]));
    var tds = {
      status: add(el('td', 'c-status'), badge(row[2])),
      last: el('td', 'c-last', day(row[3])),
      age: el('td', 'c-age', age(row[5])),
      principal: el('td', 'c-principal wrap', principalLabel(row[0])),
      role: el('td', 'c-role wrap', roleLabel(row[1])),
      account: el('td', 'c-account', accountLabel(R[row[1]][2])),
      via: el('td', 'c-via', via(row[6])),
      grant: el('td', 'c-grant wrap', source(row[7]))
    };
    tds.principal.title = P[row[0]][4] || P[row[0]][0];
    tds.role.title = R[row[1]][3];
    COLUMNS.forEach(function (c) { add(tr, tds[c.key]); });
    tr.addEventListener('click', function () { showDetail(row[0]); });
    return tr;
  }

  function drawTable() {
    if (PAIRS.length === 0) return;
    var view = T.view;
    var size = T.printing ? PRINT_LIMIT : T.size;
    var pages = Math.max(1, Math.ceil(view.length / size));
    T.page = T.printing ? 0 : Math.min(Math.max(0, T.page), pages - 1);
    var from = T.page * size, to = Math.min(view.length, from + size);
    var frag = document.createDocumentFragment();
    for (var i = from; i < to; i++) frag.appendChild(pairRow(view[i]));
    tbodyEl.textContent = '';
    tbodyEl.appendChild(frag);
    Array.prototype.forEach.call(theadRow.children, function (th) {
      var key = th.getAttribute('data-col');
      if (key === T.sort) th.setAttribute('aria-sort', T.dir > 0 ? 'ascending' : 'descending');
      else th.removeAttribute('aria-sort');
    });
    var filtered = view.length !== PAIRS.length ? ' (filtered from ' + num(PAIRS.length) + ')' : '';
    countEl.textContent = view.length === 0 ? 'No pair matches the filter' + filtered + '.' :
      'Showing ' + num(from + 1) + '\u2013' + num(to) + ' of ' + num(view.length) + filtered + '.';
    tp.info.textContent = 'page ' + num(T.page + 1) + ' of ' + num(pages);
    tp.prev.disabled = T.page === 0;
    tp.next.disabled = T.page >= pages - 1;
    var note = tableSection.querySelector('.print-note');
    note.textContent = T.printing && view.length > to ? 'Printed: the first ' + num(to) + ' of ' + num(view.length) + ' rows; narrow the filter to print the rest.' : '';
  }

  // ---- principal detail ----
  var detail = el('aside');
  detail.id = 'detail';
  detail.hidden = true;
  detail.setAttribute('aria-label', 'Principal detail');
  add(document.body, detail);
  function closeDetail() { detail.hidden = true; detail.textContent = ''; }
  document.addEventListener('keydown', function (e) { if (e.key === 'Escape' && !detail.hidden) closeDetail(); });

  function facts(list) {
    var dl = el('dl', 'facts');
    list.forEach(function (f) { if (f[1] !== null && f[1] !== '') add(dl, el('dt', null, f[0]), el('dd', null, f[1])); });
    return dl;
  }

  function showDetail(p) {
    detail.textContent = '';
    var close = el('button', 'close', 'Close \u2715');
    close.type = 'button';
    close.addEventListener('click', closeDetail);
    add(detail, close);
    add(detail, el('h2', null, principalLabel(p)));
    var list = byPrincipal[p].slice();
    var counts = [0, 0, 0];
    list.forEach(function (k) { counts[PAIRS[k][2]] += 1; });
    var parts = [];
    for (var s = 0; s < 3; s++) if (counts[s]) parts.push(counts[s] + ' ' + STATUS[s]);
    add(detail, facts([
      ['Key', P[p][0]], ['ARN', P[p][4]], ['Kind', P[p][3]], ['Account', P[p][2]],
      ['Roles', list.length + (parts.length ? ' (' + parts.join(', ') + ')' : '')]
    ]));
    if (list.length > 0) {
      add(detail, el('h3', null, 'Roles'));
      var t = el('table');
      t.className = 'detail-roles';
      var hr = el('tr');
      var heads = ['Status', 'Role', 'Account', 'First switch', 'Last switch', 'Age', 'Via'];
      if (D.showGrants) heads.push('Grant');
      heads.forEach(function (h) { add(hr, el('th', null, h)); });
      add(t, add(el('thead'), hr));
      var tb = el('tbody');
      list.forEach(function (k) {
        var row = PAIRS[k];
        var tr = el('tr');
        tr.setAttribute('data-status', STATUS[row[2]]);
        var roleCell = el('td', null, roleLabel(row[1]));
        if (R[row[1]][3] !== roleLabel(row[1])) add(roleCell, el('span', 'arn', R[row[1]][3]));
        add(tr, add(el('td'), badge(row[2])), roleCell,
          el('td', null, accountLabel(R[row[1]][2])), el('td', 'c-last', minute(row[4])), el('td', 'c-last', minute(row[3])),
          el('td', 'c-age', age(row[5])), el('td', null, via(row[6])));
        if (D.showGrants) add(tr, el('td', 'wrap', source(row[7])));
        add(tb, tr);
      });
      add(t, tb);
      add(detail, add(el('div', 'scroll'), t));
    }
    if (D.plan) {
      var actions = D.plan.actions[p] || [];
      var skipped = D.plan.skipped[p] || [];
      add(detail, el('h3', null, 'Proposed changes'));
      if (actions.length === 0) add(detail, el('p', 'note', 'The removal plan proposes no change for this principal.'));
      actions.forEach(function (a, n) {
        var box = el('div', 'plan-item');
        add(box, el('h4', null, (n + 1) + '. ' + a.title + ' in ' + a.account));
        add(box, el('p', null, a.summary));
        if (a.where.length || a.notes.length) {
          var ul = el('ul');
          a.where.forEach(function (w) { add(ul, el('li', 'wrap', w)); });
          a.notes.forEach(function (w) { add(ul, el('li', 'note wrap', 'note: ' + w)); });
          add(box, ul);
        }
        if (a.grants.length) {
          var gt = el('table');
          var gh = el('tr');
          ['Grant', 'Status', 'Last switch', 'From'].forEach(function (h) { add(gh, el('th', null, h)); });
          add(gt, add(el('thead'), gh));
          var gb = el('tbody');
          a.grants.forEach(function (g) {
            add(gb, add(el('tr'), el('td', 'wrap', g[0]), el('td', null, g[1]), el('td', 'c-last', day(g[2])), el('td', 'wrap', g[3])));
          });
          add(gt, gb);
          add(box, add(el('div', 'scroll'), gt));
        }
        add(detail, box);
      });
      if (skipped.length) {
        add(detail, el('h3', null, 'Left alone'));
        var su = el('ul');
        skipped.forEach(function (k) { add(su, el('li', 'wrap', k[0] + ': ' + k[1])); });
        add(detail, su);
      }
    }
    detail.hidden = false;
    close.focus();
  }

  // ---- print: all filtered rows (up to a limit) instead of one page ----
  window.addEventListener('beforeprint', function () { if (PAIRS.length) { T.printing = true; drawTable(); } });
  window.addEventListener('afterprint', function () { if (PAIRS.length) { T.printing = false; drawTable(); } });

  drawMatrix();
  refilter();
  document.documentElement.setAttribute('data-ready', 'true');
})();
`;
