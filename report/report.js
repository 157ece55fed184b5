// The page's script: reads the JSON blob that `savant report` put in #savant-data and draws every
// section with Vega-Lite (inlined above). window.savant exposes the views and a promise that
// settles once everything is drawn, for the browser test.
'use strict';

(function () {
  const D = JSON.parse(document.getElementById('savant-data').textContent);
  const MODELS = D.models;  // ['original_model', 'shuffled_model']
  const TESTS = D.tests;    // ['original_test', 'shuffled_test']
  const NAME = {
    original_model: 'original model',
    shuffled_model: 'shuffled model',
    original_test: 'original test',
    shuffled_test: 'shuffled test',
  };
  const MODEL_COLOURS = {range: ['#4c78a8', '#f58518'], domain: MODELS.map((m) => NAME[m])};
  const CLASSES = D.data.class_names;
  const ROWS = D.data.image_rows;
  const COLS = D.data.image_cols;
  const GRID = D.config.grid;
  const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';  // an identifier, never fetched

  const views = {};
  const savant = {views, errors: [], explorerPixel: null};
  window.savant = savant;

  // --- helpers -----------------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') node.className = v;
      else node.setAttribute(k, v);
    }
    for (const c of children) node.append(c);
    return node;
  }

  function bytesFromBase64(text) {
    const raw = atob(text);
    const out = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; ++i) out[i] = raw.charCodeAt(i);
    return out;
  }

  const pct = (x) => (x == null ? '–' : (100 * x).toFixed(1) + '%');
  const fixed = (x, digits = 4) => (x == null ? '–' : Number(x).toFixed(digits));

  function embed(id, spec) {
    spec.$schema = SCHEMA;
    spec.config = Object.assign(
        {font: 'DejaVu Sans', view: {stroke: null}, axis: {labelFontSize: 11, titleFontSize: 12}},
        spec.config || {});
    return vegaEmbed('#' + id, spec, {renderer: 'svg', actions: false})
        .then((result) => {
          views[id] = result.view;
          return result.view;
        })
        .catch((error) => {
          savant.errors.push(id + ': ' + error);
          console.error(id, error);
          document.getElementById(id).append(el('p', {class: 'error'}, 'chart failed: ' + error));
          throw error;
        });
  }

  // Block borders of the g x g grid as rules over a (ROWS x COLS) pixel map.
  function blockBorders() {
    const lines = [];
    for (let k = 1; k < GRID; ++k) {
      const x = (k * COLS) / GRID;
      const y = (k * ROWS) / GRID;
      lines.push({x, x2: x, y: 0, y2: ROWS});
      lines.push({x: 0, x2: COLS, y, y2: y});
    }
    return lines;
  }

  // Every layer over a pixel map states the same scales and hides its axes: Vega-Lite 6 fails
  // to merge a layer's default axis with another's `axis: null`.
  const PIXEL_X = () => ({field: 'c0', type: 'quantitative', scale: {domain: [0, COLS], nice: false, zero: false}, axis: null});
  const PIXEL_Y = () => ({field: 'r0', type: 'quantitative', scale: {domain: [0, ROWS], nice: false, zero: false, reverse: true}, axis: null});

  function pixelCells(values) {
    // values[r * COLS + c] -> one rect per pixel
    const cells = [];
    for (let r = 0; r < ROWS; ++r) {
      for (let c = 0; c < COLS; ++c) {
        cells.push({row: r, col: c, r0: r, r1: r + 1, c0: c, c1: c + 1, value: values[r * COLS + c]});
      }
    }
    return cells;
  }

  // --- header ------------------------------------------------------------------------------

  const fills = {
    hidden: String(D.config.hidden),
    classes: String(CLASSES.length),
    'grid-text': GRID + ' × ' + GRID,
    shuffle: D.config.shuffle,
    run_dir: D.run_dir,
    report_savant_version: D.report_savant_version,
  };
  for (const node of document.querySelectorAll('[data-fill]')) node.textContent = fills[node.dataset.fill];
  document.title = 'savant report: ' + D.run_dir;

  const charts = [];

  // --- 1. accuracy -------------------------------------------------------------------------

  const accuracyRows = [];
  for (const m of MODELS) {
    for (const t of TESTS) {
      accuracyRows.push({model: NAME[m], test: NAME[t], accuracy: D.accuracy[m][t], article: D.article[m][t]});
    }
  }
  const accuracyEncoding = {
    x: {field: 'test', type: 'nominal', title: 'test images', axis: {labelAngle: 0}, sort: TESTS.map((t) => NAME[t])},
    xOffset: {field: 'model', type: 'nominal', sort: MODELS.map((m) => NAME[m])},
  };
  charts.push(embed('chart-accuracy', {
    width: 360,
    height: 260,
    data: {values: accuracyRows},
    encoding: accuracyEncoding,
    layer: [
      {
        mark: 'bar',
        encoding: {
          y: {field: 'accuracy', type: 'quantitative', scale: {domain: [0, 1]}, axis: {format: '%'}, title: 'accuracy'},
          color: {field: 'model', type: 'nominal', scale: MODEL_COLOURS, title: 'model'},
          tooltip: [{field: 'model'}, {field: 'test'}, {field: 'accuracy', format: '.2%'},
                    {field: 'article', format: '.0%', title: 'article'}],
        },
      },
      {
        mark: {type: 'text', dy: -6, fontSize: 11},
        encoding: {y: {field: 'accuracy', type: 'quantitative'}, text: {field: 'accuracy', format: '.1%'}},
      },
      {
        mark: {type: 'tick', color: 'black', thickness: 2},
        encoding: {y: {field: 'article', type: 'quantitative'},
                   tooltip: [{field: 'article', format: '.0%', title: 'article'}]},
      },
    ],
  }));

  {
    const table = document.getElementById('table-accuracy');
    table.append(el('caption', {}, 'Accuracy: savant vs the article'));
    table.append(el('tr', {}, el('th', {}, ''), el('th', {}, 'test images'), el('th', {}, 'savant'),
                    el('th', {}, 'article'), el('th', {}, 'difference')));
    for (const row of accuracyRows) {
      table.append(el('tr', {}, el('th', {}, row.model), el('th', {}, row.test), el('td', {}, pct(row.accuracy)),
                      el('td', {}, pct(row.article)),
                      el('td', {}, ((row.accuracy - row.article) * 100).toFixed(1) + ' pt')));
    }
  }

  // --- 2. gallery --------------------------------------------------------------------------

  function imageCanvas(base64) {
    const pixels = bytesFromBase64(base64);
    const canvas = el('canvas', {width: COLS, height: ROWS});
    const context = canvas.getContext('2d');
    const image = context.createImageData(COLS, ROWS);
    for (let i = 0; i < pixels.length; ++i) {
      // Fashion-MNIST is white on black; draw it dark on light, as the article does.
      const v = 255 - pixels[i];
      image.data.set([v, v, v, 255], 4 * i);
    }
    context.putImageData(image, 0, 0);
    return canvas;
  }

  {
    const grid = document.getElementById('gallery-grid');
    for (const sample of D.gallery) {
      const predictions = el('table', {},
          el('tr', {}, el('th', {}, ''), el('th', {}, 'on original'), el('th', {}, 'on shuffled')));
      for (const m of MODELS) {
        const cells = ['original', 'shuffled'].map((version) => {
          const p = sample.predictions[m][version];
          const right = p.label === sample.label;
          return el('td', {class: right ? 'right' : 'wrong'}, CLASSES[p.label] + ' ' + pct(p.confidence));
        });
        predictions.append(el('tr', {}, el('th', {}, NAME[m]), ...cells));
      }
      grid.append(el('div', {class: 'sample'},
          el('div', {class: 'images'}, imageCanvas(sample.original), imageCanvas(sample.shuffled)),
          el('div', {class: 'truth'}, '#' + sample.index + ': ' + CLASSES[sample.label]),
          predictions));
    }
  }

  // --- 3. adjacent-correlation heat maps ---------------------------------------------------

  {
    const values = [];
    let lo = Infinity;
    let hi = -Infinity;
    for (const m of MODELS) {
      for (const cell of pixelCells(D.adjacent[m])) {
        if (cell.value == null) continue;
        cell.model = NAME[m];
        lo = Math.min(lo, cell.value);
        hi = Math.max(hi, cell.value);
        values.push(cell);
      }
    }
    const borders = blockBorders();
    const map = (m) => ({
      width: 300,
      height: 300,
      title: NAME[m],
      layer: [
        {
          data: {values},
          transform: [{filter: {field: 'model', equal: NAME[m]}}],
          mark: 'rect',
          encoding: {
            x: PIXEL_X(), x2: {field: 'c1'}, y: PIXEL_Y(), y2: {field: 'r1'},
            color: {field: 'value', type: 'quantitative', title: 'A', scale: {scheme: 'viridis', domain: [lo, hi]}},
            tooltip: [{field: 'row'}, {field: 'col', title: 'column'}, {field: 'value', format: '.4f', title: 'A'}],
          },
        },
        {
          data: {values: borders},
          mark: {type: 'rule', color: '#ff3b30', strokeWidth: 1.5, opacity: {expr: 'blockGrid ? 1 : 0'}},
          encoding: {x: Object.assign(PIXEL_X(), {field: 'x'}), x2: {field: 'x2'},
                     y: Object.assign(PIXEL_Y(), {field: 'y'}), y2: {field: 'y2'}},
        },
      ],
    });
    charts.push(embed('chart-heatmaps', {
      params: [{name: 'blockGrid', value: false,
                bind: {input: 'checkbox', name: 'draw the ' + GRID + ' × ' + GRID + ' block grid '}}],
      hconcat: MODELS.map(map),
      resolve: {scale: {color: 'shared'}},
    }));
  }

  // --- 4. pixel explorer -------------------------------------------------------------------

  const PIXELS = D.correlation.pixels;
  const packed = {};
  for (const m of MODELS) packed[m] = bytesFromBase64(D.correlation[m]);

  // The explorer's colour scale: symmetric, up to the 99.9th percentile of |R| off the diagonal
  // (both models), so that the weak correlations of a dense layer are not washed out by R(p, p) = 1.
  const explorerExtent = (() => {
    const histogram = new Float64Array(128);
    let total = 0;
    for (const m of MODELS) {
      const bytes = packed[m];
      let i = 0;
      for (let p = 0; p < PIXELS; ++p) {
        ++i;  // the diagonal
        for (let q = p + 1; q < PIXELS; ++q, ++i) {
          if (bytes[i] === 255) continue;
          ++histogram[Math.abs(bytes[i] - 127)];
          ++total;
        }
      }
    }
    let seen = 0;
    for (let k = 0; k < 128; ++k) {
      seen += histogram[k];
      if (seen >= 0.999 * total) return Math.max(0.05, Math.min(1, k / 127));
    }
    return 1;
  })();

  // Upper triangle with the diagonal, row by row: R(p, q), p <= q, is at p P - p (p - 1) / 2 + q - p.
  function correlation(m, p, q) {
    if (p > q) [p, q] = [q, p];
    const b = packed[m][p * PIXELS - (p * (p - 1)) / 2 + (q - p)];
    return b === 255 ? null : b / 127 - 1;
  }

  function explorerCells(m, p) {
    const cells = [];
    for (let q = 0; q < PIXELS; ++q) {
      const r = Math.floor(q / COLS);
      const c = q % COLS;
      cells.push({row: r, col: c, r0: r, r1: r + 1, c0: c, c1: c + 1, value: correlation(m, p, q)});
    }
    return cells;
  }

  const explorerIds = {original_model: 'chart-explorer-original', shuffled_model: 'chart-explorer-shuffled'};
  let pinned = false;
  const start = {row: Math.floor(ROWS * 0.4), col: Math.floor(COLS / 2) - 1};

  function explorerSpec(m) {
    const focus = [{r0: start.row, r1: start.row + 1, c0: start.col, c1: start.col + 1}];
    return {
      width: 300,
      height: 300,
      title: NAME[m] + ': R(p, ·)',
      datasets: {cells: explorerCells(m, start.row * COLS + start.col), focus},
      layer: [
        {
          data: {name: 'cells'},
          mark: 'rect',
          encoding: {
            x: PIXEL_X(), x2: {field: 'c1'}, y: PIXEL_Y(), y2: {field: 'r1'},
            color: {field: 'value', type: 'quantitative', title: 'R',
                    scale: {scheme: 'redblue', domain: [-explorerExtent, explorerExtent], clamp: true, reverse: true}},
            tooltip: [{field: 'row'}, {field: 'col', title: 'column'}, {field: 'value', format: '.3f', title: 'R'}],
          },
        },
        {
          data: {values: blockBorders()},
          mark: {type: 'rule', color: '#777', strokeWidth: 0.6, strokeDash: [2, 2]},
          encoding: {x: Object.assign(PIXEL_X(), {field: 'x'}), x2: {field: 'x2'},
                     y: Object.assign(PIXEL_Y(), {field: 'y'}), y2: {field: 'y2'}},
        },
        {
          data: {name: 'focus'},
          mark: {type: 'rect', fill: null, stroke: 'black', strokeWidth: 2},
          encoding: {x: PIXEL_X(), x2: {field: 'c1'}, y: PIXEL_Y(), y2: {field: 'r1'}},
        },
      ],
    };
  }

  function showPixel(row, col) {
    const current = savant.explorerPixel;
    if (current && current.row === row && current.col === col) return;
    savant.explorerPixel = {row, col};
    const p = row * COLS + col;
    const lines = ['pixel p = (row ' + row + ', column ' + col + ')' + (pinned ? ', pinned' : '')];
    for (const m of MODELS) {
      const view = views[explorerIds[m]];
      if (!view) continue;
      view.change('cells', vega.changeset().remove(() => true).insert(explorerCells(m, p)));
      view.change('focus', vega.changeset().remove(() => true)
          .insert([{r0: row, r1: row + 1, c0: col, c1: col + 1}]));
      view.runAsync();
      const right = col + 1 < COLS ? correlation(m, p, p + 1) : null;
      const below = row + 1 < ROWS ? correlation(m, p, p + COLS) : null;
      lines.push(NAME[m] + ': R with the right neighbour ' + fixed(right, 2) + ', with the lower ' + fixed(below, 2));
    }
    document.getElementById('explorer-status').textContent = lines.join('\n');
  }

  for (const m of MODELS) {
    charts.push(embed(explorerIds[m], explorerSpec(m)).then((view) => {
      view.addEventListener('mouseover', (event, item) => {
        if (!pinned && item && item.datum && item.datum.row !== undefined) showPixel(item.datum.row, item.datum.col);
      });
      view.addEventListener('click', (event, item) => {
        if (!item || !item.datum || item.datum.row === undefined) return;
        pinned = !pinned;
        savant.explorerPixel = null;  // redraw the status line with the pin state
        showPixel(item.datum.row, item.datum.col);
      });
      return view;
    }));
  }

  // --- 5. training curves ------------------------------------------------------------------

  {
    const rows = [];
    for (const m of MODELS) {
      for (const e of D.history[m]) {
        rows.push({model: NAME[m], epoch: e.epoch, loss: e.loss, accuracy: e.train_accuracy});
      }
    }
    const curve = (field, title, format) => ({
      width: 340,
      height: 220,
      title,
      mark: {type: 'line', point: true},
      encoding: {
        x: {field: 'epoch', type: 'quantitative', axis: {tickMinStep: 1, format: 'd'}},
        y: {field, type: 'quantitative', scale: {zero: false}, axis: format ? {format} : {}, title},
        color: {field: 'model', type: 'nominal', scale: MODEL_COLOURS},
        tooltip: [{field: 'model'}, {field: 'epoch'}, {field, format: format ? '.2%' : '.4f'}],
      },
    });
    charts.push(embed('chart-training', {
      data: {values: rows},
      hconcat: [curve('loss', 'training loss'), curve('accuracy', 'training accuracy', '%')],
    }));
  }

  // --- 6. confusion matrices ---------------------------------------------------------------

  {
    const rows = [];
    for (const m of MODELS) {
      for (const t of TESTS) {
        const matrix = D.confusion[m][t];
        matrix.forEach((counts, truth) => {
          const total = counts.reduce((a, b) => a + b, 0);
          counts.forEach((count, predicted) => {
            rows.push({model: NAME[m], test: NAME[t], truth: CLASSES[truth], predicted: CLASSES[predicted],
                       count, share: total ? count / total : 0});
          });
        });
      }
    }
    charts.push(embed('chart-confusion', {
      data: {values: rows},
      facet: {
        row: {field: 'model', type: 'nominal', title: null, sort: MODELS.map((m) => NAME[m])},
        column: {field: 'test', type: 'nominal', title: null, sort: TESTS.map((t) => NAME[t])},
      },
      spec: {
        width: 300,
        height: 300,
        encoding: {
          x: {field: 'predicted', type: 'nominal', sort: CLASSES, title: 'predicted'},
          y: {field: 'truth', type: 'nominal', sort: CLASSES, title: 'true class'},
        },
        layer: [
          {
            mark: 'rect',
            encoding: {
              color: {field: 'share', type: 'quantitative', scale: {scheme: 'blues', domain: [0, 1]}, title: 'share'},
              tooltip: [{field: 'truth', title: 'true'}, {field: 'predicted'}, {field: 'count'},
                        {field: 'share', format: '.1%'}],
            },
          },
          {
            mark: {type: 'text', fontSize: 9},
            encoding: {
              text: {field: 'count'},
              color: {condition: {test: 'datum.share > 0.5', value: 'white'}, value: '#333'},
            },
          },
        ],
      },
    }));
  }

  // --- 7. grid signature -------------------------------------------------------------------

  {
    const rows = [];
    const means = [];
    for (const m of MODELS) {
      for (const [kind, label] of [['within', 'within a block'], ['across', 'across a border']]) {
        for (const r of D.pairs[m][kind]) rows.push({model: NAME[m], kind: label, r});
        means.push({model: NAME[m], kind: label, mean: D.grid_signature[m][kind]});
      }
    }
    const kinds = {domain: ['within a block', 'across a border'], range: ['#54a24b', '#e45756']};
    const density = (m) => ({
      width: 300,
      height: 200,
      title: NAME[m],
      layer: [
        {
          data: {values: rows},
          transform: [{filter: {field: 'model', equal: NAME[m]}},
                      {density: 'r', groupby: ['kind'], extent: [-1, 1], steps: 120}],
          mark: {type: 'area', opacity: 0.45, line: true},
          encoding: {
            x: {field: 'value', type: 'quantitative', title: 'R of an adjacent pair', scale: {domain: [-1, 1]}},
            y: {field: 'density', type: 'quantitative', stack: null},
            color: {field: 'kind', type: 'nominal', scale: kinds, title: 'pair'},
          },
        },
        {
          data: {values: means},
          transform: [{filter: {field: 'model', equal: NAME[m]}}, {filter: 'datum.mean != null'}],
          mark: {type: 'rule', strokeWidth: 2, strokeDash: [4, 3]},
          encoding: {
            x: {field: 'mean', type: 'quantitative'},
            color: {field: 'kind', type: 'nominal', scale: kinds},
            tooltip: [{field: 'kind'}, {field: 'mean', format: '.4f'}],
          },
        },
      ],
    });
    charts.push(embed('chart-signature', {hconcat: MODELS.map(density), resolve: {scale: {y: 'independent'}}}));

    const contrasts = MODELS.map((m) => ({model: NAME[m], contrast: D.grid_signature[m].contrast}));
    charts.push(embed('chart-contrast', {
      width: 180,
      height: 200,
      title: 'contrast',
      data: {values: contrasts},
      encoding: {x: {field: 'model', type: 'nominal', axis: {labelAngle: 0}, title: null},
                 y: {field: 'contrast', type: 'quantitative', title: 'within − across'}},
      layer: [
        {mark: 'bar', encoding: {color: {field: 'model', type: 'nominal', scale: MODEL_COLOURS, legend: null},
                                 tooltip: [{field: 'model'}, {field: 'contrast', format: '.4f'}]}},
        {
          // Above the bar, or above zero for a negative contrast.
          transform: [{calculate: 'max(datum.contrast, 0)', as: 'top'}],
          mark: {type: 'text', dy: -6},
          encoding: {y: {field: 'top', type: 'quantitative'}, text: {field: 'contrast', format: '.3f'}},
        },
      ],
    }));

    const table = document.getElementById('table-signature');
    table.append(el('tr', {}, el('th', {}, ''), el('th', {}, 'within a block'), el('th', {}, 'across a border'),
                    el('th', {}, 'contrast'), el('th', {}, 'pairs (within / across)')));
    for (const m of MODELS) {
      const s = D.grid_signature[m];
      table.append(el('tr', {}, el('th', {}, NAME[m]), el('td', {}, fixed(s.within)), el('td', {}, fixed(s.across)),
                      el('td', {}, fixed(s.contrast)),
                      el('td', {}, D.pairs[m].within.length + ' / ' + D.pairs[m].across.length)));
    }
  }

  // --- 8. the run --------------------------------------------------------------------------

  {
    const holder = document.getElementById('run-tables');
    const keyValues = (caption, object, format) => {
      const table = el('table', {class: 'numbers'}, el('caption', {}, caption));
      for (const [k, v] of Object.entries(object)) {
        const text = typeof v === 'number' ? String(Number(v.toPrecision(6)))
                   : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
        table.append(el('tr', {}, el('th', {}, k), el('td', {}, format ? format(k, v) : text)));
      }
      holder.append(table);
    };
    keyValues('configuration', D.config);
    keyValues('timings (seconds)', D.timing_seconds, (k, v) => Number(v).toFixed(3));
    keyValues('data', {
      'image size': ROWS + ' × ' + COLS,
      'training images': D.data.train_images,
      'test images': D.data.test_images,
      'training data CRC-32': D.data.train_crc32 || '–',
      classes: CLASSES.join(', '),
    });
    keyValues('machine and versions', Object.assign({}, D.machine, {
      'savant (run)': D.savant_version,
      'savant (report)': D.report_savant_version,
      vega: vega.version,
      'vega-lite': vegaLite.version,
      'vega-embed': vegaEmbed.version,
    }));
  }

  savant.ready = Promise.allSettled(charts).then((outcomes) => {
    document.body.dataset.ready = outcomes.every((o) => o.status === 'fulfilled') ? 'true' : 'false';
    showPixel(start.row, start.col);
  });
})();
