// The sweep report's script (src/savant/sweep/report.cpp writes the page): draws the Vega-Lite
// specifications in #sweep-specs at the width of the window (fit.js), and the table of every
// summarised number in #sweep-rows, sortable by any column. window.savant exposes the views and
// redraw() for the browser test, as the run report does.
'use strict';

(function () {
  const specs = JSON.parse(document.getElementById('sweep-specs').textContent);
  const rows = JSON.parse(document.getElementById('sweep-rows').textContent);
  const views = {};
  const savant = {views, errors: [], widths: {}};
  window.savant = savant;

  const config = {
    font: 'DejaVu Sans',
    axis: {labelFontSize: 11, titleFontSize: 12, labelSeparation: 6},  // as report.js
    header: {labelFontSize: 12, labelFontWeight: 'bold'},
    title: {fontSize: 14, anchor: 'start'},
  };

  // The specification made for `width` pixels: panels side by side while they are at least
  // 300 px wide, then wrapped.
  function make(spec, width) {
    const s = JSON.parse(JSON.stringify(spec));
    s.$schema = 'https://vega.github.io/schema/vega-lite/v6.json';  // an identifier, never fetched
    s.config = Object.assign({}, config);
    if (s.facet) {
      const columns = savantFit.columnsFor(width, s.usermeta.panels, 300);
      s.columns = columns;
      s.spec.width = Math.min(420, Math.floor(width / columns) - 80);
    } else {
      s.width = Math.min(560, width - 80);
    }
    return s;
  }

  async function draw(i) {
    const id = 'chart' + i;
    const node = document.getElementById(id);
    try {
      if (views[id]) views[id].finalize();
      const {view, available} = await savantFit.fit(node, (width) => make(specs[i], width), (target, spec) =>
        vegaEmbed(target, spec, {renderer: 'svg', actions: false}).then((result) => result.view));
      views[id] = view;
      savant.widths[id] = available;
    } catch (error) {
      savant.errors.push(id + ': ' + error);
      console.error(id, error);
      node.append(Object.assign(document.createElement('p'), {className: 'error', textContent: 'chart failed: ' + error}));
      throw error;
    }
  }

  savant.redraw = () => Promise.allSettled(specs.map((_, i) => draw(i)))
      .then((outcomes) => outcomes.every((o) => o.status === 'fulfilled'));
  savant.redraw().then((ok) => {
    document.body.dataset.ready = ok ? 'true' : 'false';
  });
  savantFit.onResize(savant.widths, (ids) => Promise.allSettled(ids.map((id) => draw(Number(id.slice(5))))));

  // --- the table ------------------------------------------------------------------------------

  const pct = (x) => (x == null ? '–' : (100 * x).toFixed(2) + '%');
  const fixed = (x) => (x == null ? '–' : Number(x).toFixed(4));
  const COLUMNS = [
    {key: 'series', title: 'model', text: true},
    {key: 'test', title: 'test images', text: true},
    {key: 'grid', title: 'grid g'},
    {key: 'shuffle', title: 'shuffle', text: true},
    {key: 'hidden', title: 'width'},
    {key: 'layers', title: 'depth'},
    {key: 'epochs', title: 'epochs'},
    {key: 'train_limit', title: 'training images', format: (v) => (v ? String(v) : 'all')},
    {key: 'n', title: 'seeds'},
    {key: 'accuracy', title: 'accuracy', format: pct},
    {key: 'accuracy_low', title: '95% CI low', format: pct},
    {key: 'accuracy_high', title: '95% CI high', format: pct},
    {key: 'contrast', title: 'contrast', format: fixed},
    {key: 'contrast_low', title: 'contrast CI low', format: fixed},
    {key: 'contrast_high', title: 'contrast CI high', format: fixed},
  ];
  const table = document.getElementById('sweep-table');
  const head = document.createElement('thead');
  const body = document.createElement('tbody');
  const headerRow = document.createElement('tr');
  let sortKey = null;
  let ascending = true;

  function fill() {
    const sorted = [...rows];
    if (sortKey) {
      const column = COLUMNS.find((c) => c.key === sortKey);
      sorted.sort((a, b) => {
        const x = a[sortKey];
        const y = b[sortKey];
        if (x == null || y == null) return (x == null) - (y == null);  // missing values last
        const order = column.text ? String(x).localeCompare(String(y)) : x - y;
        return ascending ? order : -order;
      });
    }
    body.textContent = '';
    for (const row of sorted) {
      const tr = document.createElement('tr');
      tr.dataset.accuracy = row.accuracy;
      for (const c of COLUMNS) {
        const td = document.createElement('td');
        if (c.text) td.className = 'text';
        td.textContent = c.format ? c.format(row[c.key]) : String(row[c.key]);
        tr.append(td);
      }
      body.append(tr);
    }
    for (const th of headerRow.children) {
      th.setAttribute('aria-sort', th.dataset.key === sortKey ? (ascending ? 'ascending' : 'descending') : 'none');
    }
  }

  for (const c of COLUMNS) {
    const th = document.createElement('th');
    th.dataset.key = c.key;
    th.textContent = c.title;
    if (c.text) th.className = 'text';
    th.addEventListener('click', () => {
      ascending = sortKey === c.key ? !ascending : true;
      sortKey = c.key;
      fill();
    });
    headerRow.append(th);
  }
  head.append(headerRow);
  table.append(head, body);
  fill();
})();
