// The page's script: reads the JSON blob that `savant report` put in #savant-data and draws every
// section with Vega-Lite (inlined above). Each chart is made for the width of its container and
// made again when the window is resized (docs/REPORT.md). window.savant exposes the views, a
// promise that settles once everything is drawn and redraw(), for the browser test.
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
  // One colour per model everywhere, Okabe-Ito blue and orange (safe for colour-blind readers);
  // the same as the sweep's figures (src/savant/sweep/plot.cpp).
  const MODEL_COLOURS = {range: ['#0072b2', '#e69f00'], domain: MODELS.map((m) => NAME[m])};
  const NO_VALUE_GREY = '#bdbdbd';  // a NaN cell, as in heatmap_*.png (kNoValueGrey in io/plot.hpp)
  const CLASSES = D.data.class_names;
  const ROWS = D.data.image_rows;
  const COLS = D.data.image_cols;
  const GRID = D.config.grid;
  const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';  // an identifier, never fetched

  const views = {};
  const savant = {views, errors: [], explorerPixel: null, widths: {}};
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
  // A difference in percentage points with its sign: "+2.2 pt", "−1.1 pt", "±0.0 pt".
  const signedPoints = (d) => {
    if (d == null || !Number.isFinite(d)) return '–';
    const text = Math.abs(100 * d).toFixed(1);
    return (Number(text) === 0 ? '±' : d > 0 ? '+' : '−') + text + ' pt';
  };
  const fixed = (x, digits = 4) => (x == null ? '–' : Number(x).toFixed(digits));

  function embed(id, target, spec) {
    spec.$schema = SCHEMA;
    spec.config = Object.assign(
        // labelSeparation: labels closer than 6 px count as overlapping, so that Vega drops
        // some rather than setting them edge to edge ("0.00.2").
        {font: 'DejaVu Sans', view: {stroke: null},
         axis: {labelFontSize: 11, titleFontSize: 12, labelSeparation: 6},
         title: {fontSize: 13, anchor: 'start'}},
        spec.config || {});
    return vegaEmbed(target, spec, {renderer: 'svg', actions: false}).then((result) => {
      views[id] = result.view;
      return result.view;
    });
  }

  // Every chart is a function of the width it may take (its container's): `charts[id] = {make,
  // after}`, drawn to fit by savantFit (fit.js).
  const charts = {};
  function chart(id, make, after) {
    charts[id] = {make, after};
  }

  async function draw(id) {
    const node = document.getElementById(id);
    let view = null;
    let available = 0;
    try {
      if (views[id]) views[id].finalize();
      delete views[id];
      ({view, available} = await savantFit.fit(node, charts[id].make, (target, spec) => embed(id, target, spec)));
    } catch (error) {
      savant.errors.push(id + ': ' + error);
      console.error(id, error);
      node.append(el('p', {class: 'error'}, 'chart failed: ' + error));
      throw error;
    }
    savant.widths[id] = available;
    if (charts[id].after) charts[id].after(view);
    return view;
  }

  function drawAll() {
    return Promise.allSettled(Object.keys(charts).map(draw));
  }

  const columnsFor = savantFit.columnsFor;

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

  // Every layer over a pixel map states the same scales and axes: Vega-Lite 6 fails to merge a
  // layer's default axis with another's `axis: null`. Ticks at the centres of pixels 0, 5, 10, ...
  const pixelTicks = (n) => Array.from({length: Math.floor((n - 1) / 5) + 1}, (_, k) => 5 * k + 0.5);
  const pixelAxis = (title, n) => ({title, values: pixelTicks(n), labelExpr: 'floor(datum.value)', grid: false,
                                    tickSize: 3, labelFontSize: 10});
  const PIXEL_X = (axes = true) => ({field: 'c0', type: 'quantitative', scale: {domain: [0, COLS], nice: false, zero: false},
                                     axis: axes ? pixelAxis('pixel column', COLS) : null});
  const PIXEL_Y = (axes = true) => ({field: 'r0', type: 'quantitative', scale: {domain: [0, ROWS], nice: false, zero: false, reverse: true},
                                     axis: axes ? pixelAxis('pixel row', ROWS) : null});

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

  // A run of a model without a dense first layer (cnn, local, mixer) has D.first_layer and no
  // pixel map: its sections marked data-pixels are hidden, the first layer is shown instead.
  const PIXEL_MAP = !D.first_layer;
  for (const node of document.querySelectorAll('[data-pixels]')) node.hidden = !PIXEL_MAP;
  for (const node of document.querySelectorAll('[data-first-layer]')) node.hidden = PIXEL_MAP;
  // Without the pixel-map sections, the sections shown are numbered again in order.
  if (!PIXEL_MAP) {
    let number = 0;
    for (const section of document.querySelectorAll('main > section')) {
      const h2 = section.querySelector('h2');
      if (section.hidden || !h2) continue;
      h2.textContent = h2.textContent.replace(/^\d+\./, ++number + '.');
    }
  }
  const fills = {
    network: PIXEL_MAP ? 'A dense network (input → ' + D.config.hidden + ' ReLU → ' + CLASSES.length + ')'
                       : 'A ' + D.config.model + ' network',
    'first-layer-what': PIXEL_MAP ? '' : D.first_layer.what,
    'first-layer-tensor': PIXEL_MAP ? '' : D.first_layer.tensor,
    hidden: String(D.config.hidden),
    classes: String(CLASSES.length),
    'grid-text': GRID + ' × ' + GRID,
    shuffle: D.config.shuffle,
    run_dir: D.run_dir,
    report_savant_version: D.report_savant_version,
    'one-block': D.units ? '1/' + GRID * GRID + ' = ' + (1 / (GRID * GRID)).toFixed(3) : '',
    'unit-images': D.units ? 'the first ' + D.units.test_images + ' test images' : '',
  };
  for (const node of document.querySelectorAll('[data-fill]')) node.textContent = fills[node.dataset.fill];
  document.title = 'savant report: ' + D.run_dir;
  // What the run warned about (a model that did not learn, say), above everything else.
  const warnings = document.getElementById('warnings');
  for (const text of D.warnings || []) warnings.appendChild(el('li', {}, text));
  warnings.hidden = !(D.warnings || []).length;

  // --- 1. accuracy -------------------------------------------------------------------------

  const accuracyRows = [];
  for (const m of MODELS) {
    for (const t of TESTS) {
      accuracyRows.push({model: NAME[m], test: NAME[t], accuracy: D.accuracy[m][t], article: D.article[m][t]});
    }
  }
  const ARTICLE = 'the article (Keras, 5 epochs)';
  chart('chart-accuracy', (width) => ({
    width: Math.min(560, width - 60),
    height: 260,
    data: {values: accuracyRows},
    // The value is printed above the bar or the article's mark, whichever is higher.
    transform: [{calculate: 'max(datum.accuracy, datum.article || 0)', as: 'top'},
                {calculate: 'datum.accuracy - datum.article', as: 'difference'}],
    encoding: {
      x: {field: 'test', type: 'nominal', title: 'test images', axis: {labelAngle: 0}, sort: TESTS.map((t) => NAME[t])},
      xOffset: {field: 'model', type: 'nominal', sort: MODELS.map((m) => NAME[m])},
    },
    layer: [
      {
        mark: 'bar',
        encoding: {
          y: {field: 'accuracy', type: 'quantitative', scale: {domain: [0, 1]}, axis: {format: '.0%'}, title: 'test accuracy (%)'},
          color: {field: 'model', type: 'nominal', scale: MODEL_COLOURS, title: 'model'},
          tooltip: [{field: 'model'}, {field: 'test'}, {field: 'accuracy', format: '.2%', title: 'savant'},
                    {field: 'article', format: '.0%', title: 'article'}, {field: 'difference', format: '+.1%'}],
        },
      },
      {
        // A black bar across the model's band with a white edge, drawn over the bars so that it
        // shows where it meets a bar's top; its own legend entry.
        mark: {type: 'tick', color: 'black', thickness: 3, stroke: 'white', strokeWidth: 1, opacity: 1},
        encoding: {
          y: {field: 'article', type: 'quantitative'},
          // The tick is a filled mark: its legend symbol is filled too (a stroke symbol would be
          // drawn with the tick's white edge only), a black bar like the tick. An ordinal scale
          // of one value: Vega-Lite's default scale for it gives the symbol an opacity of NaN.
          opacity: {datum: ARTICLE, type: 'nominal', scale: {type: 'ordinal', domain: [ARTICLE], range: [1]},
                    legend: {title: null, orient: 'top', symbolType: 'M-1,-0.3H1V0.3H-1Z', symbolSize: 160,
                             symbolStrokeWidth: 0}},
          tooltip: [{field: 'model'}, {field: 'test'}, {field: 'article', format: '.0%', title: 'article'}],
        },
      },
      {
        mark: {type: 'text', dy: -8, fontSize: 11},
        encoding: {y: {field: 'top', type: 'quantitative'}, text: {field: 'accuracy', format: '.1%'}},
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
                      el('td', {}, signedPoints(row.accuracy - row.article))));
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

  // --- 3. the first layer, for a model without a dense one ----------------------------------

  if (!PIXEL_MAP) {
    const F = D.first_layer;
    document.getElementById('first-layer-reason').textContent = F.reason;
    const holder = document.getElementById('first-layer-models');
    const size = F.rows * F.cols;
    for (const m of MODELS) {
      const values = F[m];
      const top = values.reduce((a, w) => Math.max(a, Math.abs(w)), 0) || 1;
      const grid = el('div', {class: 'first-layer-grid'});
      for (let k = 0; k < F.count; ++k) {
        const canvas = el('canvas', {width: F.cols, height: F.rows});
        const context = canvas.getContext('2d');
        const image = context.createImageData(F.cols, F.rows);
        for (let i = 0; i < size; ++i) {
          // White at zero, full red (positive) or blue (negative) at the model's largest |w|.
          const t = Math.min(1, Math.abs(values[k * size + i]) / top);
          const fade = Math.round(255 * (1 - t));
          image.data.set(values[k * size + i] >= 0 ? [255, fade, fade, 255] : [fade, fade, 255, 255], 4 * i);
        }
        context.putImageData(image, 0, 0);
        grid.append(el('div', {class: 'first-layer-tile', title: F.tensor + '[' + k + ']'}, canvas, String(k)));
      }
      holder.append(el('div', {class: 'first-layer-model'},
          el('h3', {}, NAME[m] + ' (largest |weight| ' + top.toFixed(3) + ')'), grid));
    }
  }

  // --- 3. adjacent-correlation heat maps ---------------------------------------------------

  if (PIXEL_MAP) {
    const values = [];
    let lo = Infinity;
    let hi = -Infinity;
    for (const m of MODELS) {
      for (const cell of pixelCells(D.adjacent[m])) {
        cell.model = NAME[m];
        if (cell.value != null) {
          lo = Math.min(lo, cell.value);
          hi = Math.max(hi, cell.value);
        }
        values.push(cell);
      }
    }
    const borders = blockBorders();
    const map = (m, size) => ({
      width: size,
      height: size,
      title: NAME[m],
      layer: [
        {
          data: {values},
          transform: [{filter: {field: 'model', equal: NAME[m]}}],
          mark: 'rect',
          encoding: {
            x: PIXEL_X(), x2: {field: 'c1'}, y: PIXEL_Y(), y2: {field: 'r1'},
            color: {field: 'value', type: 'quantitative', title: 'adjacent correlation A',
                    scale: {scheme: 'viridis', domain: [lo, hi]}, legend: {gradientLength: Math.min(240, size)}},
            tooltip: [{field: 'row'}, {field: 'col', title: 'column'}, {field: 'value', format: '.4f', title: 'A'}],
          },
        },
        {
          // NaN (no value) in the grey of the PNG heat maps: its own layer, as Vega-Lite leaves a
          // cell with no value out of a layer that colours by value.
          data: {values},
          transform: [{filter: {field: 'model', equal: NAME[m]}}, {filter: 'datum.value == null'}],
          mark: {type: 'rect', fill: NO_VALUE_GREY},
          encoding: {x: PIXEL_X(), x2: {field: 'c1'}, y: PIXEL_Y(), y2: {field: 'r1'},
                     tooltip: [{field: 'row'}, {field: 'col', title: 'column'}, {value: 'no value'}]},
        },
        {
          data: {values: borders},
          mark: {type: 'rule', color: 'white', strokeWidth: 1.5, opacity: {expr: 'blockGrid ? 0.9 : 0'}},
          encoding: {x: Object.assign(PIXEL_X(), {field: 'x'}), x2: {field: 'x2'},
                     y: Object.assign(PIXEL_Y(), {field: 'y'}), y2: {field: 'y2'}},
        },
      ],
    });
    chart('chart-heatmaps', (width) => {
      const columns = columnsFor(width, MODELS.length, 300);
      const size = Math.min(360, Math.floor(width / columns) - 70);
      return {
        params: [{name: 'blockGrid', value: savant.blockGrid || false,
                  bind: {input: 'checkbox', name: 'draw the ' + GRID + ' × ' + GRID + ' block grid '}}],
        columns,
        concat: MODELS.map((m) => map(m, size)),
        resolve: {scale: {color: 'shared'}},
      };
    }, (view) => view.addSignalListener('blockGrid', (name, value) => { savant.blockGrid = value; }));
  }

  // --- 4. pixel explorer -------------------------------------------------------------------

  const PIXELS = PIXEL_MAP ? D.correlation.pixels : 0;
  const packed = {};
  if (PIXEL_MAP) for (const m of MODELS) packed[m] = bytesFromBase64(D.correlation[m]);

  // The explorer's colour scale: symmetric, up to the 99.9th percentile of |R| off the diagonal
  // (both models), so that the weak correlations of a dense layer are not washed out by R(p, p) = 1.
  const explorerExtent = !PIXEL_MAP ? 1 : (() => {
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

  function explorerSpec(m, width) {
    const focus = [{r0: start.row, r1: start.row + 1, c0: start.col, c1: start.col + 1}];
    const size = Math.min(340, width - 70);
    return {
      width: size,
      height: size,
      title: NAME[m] + ': R(p, ·)',
      datasets: {cells: explorerCells(m, start.row * COLS + start.col), focus},
      layer: [
        {
          data: {name: 'cells'},
          mark: 'rect',
          encoding: {
            x: PIXEL_X(), x2: {field: 'c1'}, y: PIXEL_Y(), y2: {field: 'r1'},
            color: {field: 'value', type: 'quantitative', title: 'R',
                    scale: {scheme: 'redblue', domain: [-explorerExtent, explorerExtent], clamp: true, reverse: true},
                    legend: {gradientLength: Math.min(240, size)}},
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

  for (const m of PIXEL_MAP ? MODELS : []) {
    chart(explorerIds[m], (width) => explorerSpec(m, width), (view) => {
      view.addEventListener('mouseover', (event, item) => {
        if (!pinned && item && item.datum && item.datum.row !== undefined) showPixel(item.datum.row, item.datum.col);
      });
      view.addEventListener('click', (event, item) => {
        if (!item || !item.datum || item.datum.row === undefined) return;
        pinned = !pinned;
        savant.explorerPixel = null;  // redraw the status line with the pin state
        showPixel(item.datum.row, item.datum.col);
      });
    });
  }

  // --- 5. training curves ------------------------------------------------------------------

  {
    // One row per model, epoch and curve: the training images, and (where the run measured
    // them) the original and the shuffled test images after the epoch.
    const CURVES = [
      {name: 'training', loss: 'loss', accuracy: 'train_accuracy'},
      {name: 'original test', loss: 'original_test_loss', accuracy: 'original_test_accuracy'},
      {name: 'shuffled test', loss: 'shuffled_test_loss', accuracy: 'shuffled_test_accuracy'},
    ];
    const rows = [];
    for (const m of MODELS) {
      for (const e of D.history[m]) {
        for (const c of CURVES) {
          if (e[c.accuracy] === undefined || e[c.accuracy] === null) continue;
          rows.push({model: NAME[m], curve: c.name, epoch: e.epoch, loss: e[c.loss],
                     accuracy: e[c.accuracy]});
        }
      }
    }
    if (D.epochs_to_fit) {
      const threshold = D.config.fit_threshold !== undefined ? D.config.fit_threshold : 0.99;
      document.getElementById('training-fit').textContent = MODELS.map((m) => {
        const n = D.epochs_to_fit[m];
        return `${NAME[m]}: ${n === null ? 'did not reach' : 'reached'} ${(100 * threshold).toFixed(0)}% ` +
               `training accuracy${n === null ? '' : ` at epoch ${n}`}`;
      }).join('; ');
    }
    const curve = (field, title, format, width) => ({
      width,
      height: 220,
      title,
      mark: {type: 'line', point: true},
      encoding: {
        x: {field: 'epoch', type: 'quantitative', title: 'epoch', axis: {tickMinStep: 1, format: 'd'}},
        y: {field, type: 'quantitative', scale: {zero: false}, axis: format ? {format} : {}, title},
        color: {field: 'model', type: 'nominal', scale: MODEL_COLOURS, title: 'model'},
        strokeDash: {field: 'curve', type: 'nominal', title: 'images',
                     scale: {domain: CURVES.map((c) => c.name), range: [[1, 0], [6, 3], [2, 2]]}},
        detail: {field: 'curve'},
        tooltip: [{field: 'model'}, {field: 'curve', title: 'images'}, {field: 'epoch'},
                  {field, format: format ? '.2%' : '.4f'}],
      },
    });
    chart('chart-training', (width) => {
      const columns = columnsFor(width, 2, 340);
      const panel = Math.min(480, Math.floor(width / columns) - 90);
      return {
        data: {values: rows},
        columns,
        concat: [curve('loss', 'loss (cross-entropy)', null, panel),
                 curve('accuracy', 'accuracy (%)', '.0%', panel)],
      };
    });
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
    // One panel per model and test set, titled in the model's colour, predicted classes along
    // the top; zero cells white.
    const panel = (m, t, size) => ({
      width: size,
      height: size,
      title: {text: NAME[m] + ' on the ' + NAME[t] + ' images', color: MODEL_COLOURS.range[MODELS.indexOf(m)],
              fontWeight: 'bold'},
      transform: [{filter: {and: [{field: 'model', equal: NAME[m]}, {field: 'test', equal: NAME[t]}]}}],
      encoding: {
        x: {field: 'predicted', type: 'nominal', sort: CLASSES, title: 'predicted class',
            axis: {orient: 'top', labelAngle: -40, labelAlign: 'left'}},
        y: {field: 'truth', type: 'nominal', sort: CLASSES, title: 'true class'},
      },
      layer: [
        // Every cell white with a faint edge, then the non-empty ones coloured: an empty cell is
        // white whatever the colour scale's interpolation gives for 0.
        {mark: {type: 'rect', fill: 'white', stroke: '#e6e6e6', strokeWidth: 0.5}},
        {
          mark: {type: 'rect', stroke: '#e6e6e6', strokeWidth: 0.5},
          transform: [{filter: 'datum.count > 0'}],
          encoding: {
            color: {field: 'share', type: 'quantitative', title: 'share of the true class',
                    scale: {domain: [0, 1], range: ['#ffffff', '#08306b']}, legend: {format: '.0%'}},
            tooltip: [{field: 'model'}, {field: 'test'}, {field: 'truth', title: 'true'}, {field: 'predicted'},
                      {field: 'count'}, {field: 'share', format: '.1%'}],
          },
        },
        {
          mark: {type: 'text', fontSize: 9},
          transform: [{filter: 'datum.count > 0'}],
          encoding: {
            text: {field: 'count'},
            color: {condition: {test: 'datum.share > 0.5', value: 'white'}, value: '#333'},
          },
        },
      ],
    });
    chart('chart-confusion', (width) => {
      const columns = columnsFor(width, 4, 360) === 3 ? 2 : columnsFor(width, 4, 360);
      const size = Math.min(340, Math.floor(width / columns) - 120);
      const panels = [];
      for (const m of MODELS) for (const t of TESTS) panels.push(panel(m, t, size));
      return {data: {values: rows}, columns, concat: panels, resolve: {scale: {color: 'shared'}}};
    });
  }

  // --- 7. grid signature -------------------------------------------------------------------

  if (PIXEL_MAP) {
    const rows = [];
    const means = [];
    for (const m of MODELS) {
      for (const [kind, label] of [['within', 'within a block'], ['across', 'across a border']]) {
        for (const r of D.pairs[m][kind]) rows.push({model: NAME[m], kind: label, r});
        means.push({model: NAME[m], kind: label, mean: D.grid_signature[m][kind]});
      }
    }
    // Colour: the model, as everywhere; line: the kind of pair. x spans the values that occur,
    // and both panels share their scales.
    let lo = Infinity;
    let hi = -Infinity;
    for (const row of rows) {
      lo = Math.min(lo, row.r);
      hi = Math.max(hi, row.r);
    }
    if (!(lo < hi)) [lo, hi] = [-1, 1];
    const pad = 0.05 * (hi - lo);
    const extent = [Math.max(-1, lo - pad), Math.min(1, hi + pad)];
    const kinds = {domain: ['within a block', 'across a border'], range: [[1, 0], [5, 3]]};
    const density = (m, width) => ({
      width,
      height: 200,
      title: {text: NAME[m], color: MODEL_COLOURS.range[MODELS.indexOf(m)], fontWeight: 'bold'},
      layer: [
        {
          data: {values: rows},
          transform: [{filter: {field: 'model', equal: NAME[m]}},
                      {density: 'r', groupby: ['model', 'kind'], extent, steps: 160}],
          mark: {type: 'line', strokeWidth: 2},
          encoding: {
            x: {field: 'value', type: 'quantitative', title: 'R of an adjacent pair', scale: {domain: extent, nice: false}},
            y: {field: 'density', type: 'quantitative', title: 'density'},
            color: {field: 'model', type: 'nominal', scale: MODEL_COLOURS, title: 'model'},
            strokeDash: {field: 'kind', type: 'nominal', scale: kinds, title: 'pair'},
          },
        },
        {
          data: {values: means},
          transform: [{filter: {field: 'model', equal: NAME[m]}}, {filter: 'datum.mean != null'}],
          mark: {type: 'rule', strokeWidth: 1.5, opacity: 0.8},
          encoding: {
            x: {field: 'mean', type: 'quantitative'},
            color: {field: 'model', type: 'nominal', scale: MODEL_COLOURS},
            strokeDash: {field: 'kind', type: 'nominal', scale: kinds},
            tooltip: [{field: 'model'}, {field: 'kind'}, {field: 'mean', format: '.4f', title: 'mean R'}],
          },
        },
      ],
    });
    chart('chart-signature', (width) => {
      const columns = columnsFor(width, MODELS.length, 320);
      const panel = Math.min(420, Math.floor(width / columns) - 80);
      return {columns, concat: MODELS.map((m) => density(m, panel)),
              resolve: {scale: {x: 'shared', y: 'shared'}}};
    });

    const contrasts = MODELS.map((m) => ({model: NAME[m], contrast: D.grid_signature[m].contrast}));
    chart('chart-contrast', (width) => ({
      width: Math.min(220, width - 80),
      height: 200,
      title: 'contrast',
      data: {values: contrasts},
      encoding: {x: {field: 'model', type: 'nominal', axis: {labelAngle: 0}, title: null, sort: MODELS.map((m) => NAME[m])},
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

  // --- 8 to 12. the hidden units (units.js) -------------------------------------------------

  savantUnits({D, MODELS, TESTS, NAME, MODEL_COLOURS, NO_VALUE_GREY, CLASSES, ROWS, COLS, GRID, el, chart, pct,
               fixed, bytesFromBase64, columnsFor, savant});

  // --- 13. the run --------------------------------------------------------------------------

  {
    const holder = document.getElementById('run-tables');
    // Human names of results.json's keys, in the order shown; a key not listed keeps its name
    // and comes last.
    const CONFIG_LABELS = {
      data: 'data set', grid: 'grid (g × g blocks)', shuffle: 'shuffle mode', hidden: 'hidden units',
      model: 'model', layers: 'hidden layers', epochs: 'epochs', batch: 'batch size', learning_rate: 'learning rate',
      seed: 'seed', threads: 'threads', train_limit: 'training images used', engine: 'training engine',
    };
    const LABELS = {
      load: 'load the data', shuffle: 'shuffle the images', train_original_model: 'train the original model',
      train_shuffled_model: 'train the shuffled model', evaluate: 'evaluate', analyze: 'analyse the weights',
      units: 'measure the hidden units', write: 'write the files', total: 'total',
      host: 'host', system: 'system', cpu: 'CPU', hardware_threads: 'hardware threads', source: 'measured on',
      started: 'started (UTC)', command_line: 'command line', engine: 'training engine',
    };
    const VALUES = {
      train_limit: (v) => (v ? 'the first ' + v : 'all'),
      threads: (v) => (v ? String(v) : 'all hardware threads'),
    };
    // The pipeline's order (docs/ARCHITECTURE.md), total last.
    const TIMING_ORDER = ['load', 'shuffle', 'train_original_model', 'train_shuffled_model', 'evaluate',
                          'analyze', 'units', 'write', 'total'];
    // An argument as a shell would need it typed.
    const shellWord = (w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : "'" + w.replace(/'/g, "'\\''") + "'");
    const ordered = (object, order) => {
      const keys = Object.keys(object);
      const rank = (k) => (order.includes(k) ? order.indexOf(k) : order.length);
      return keys.sort((a, b) => rank(a) - rank(b));
    };
    const keyValues = (caption, object, order, format, labels = LABELS) => {
      const table = el('table', {class: 'numbers'}, el('caption', {}, caption));
      for (const k of ordered(object, order)) {
        const v = object[k];
        const text = VALUES[k] ? VALUES[k](v)
                   : typeof v === 'number' ? String(Number(v.toPrecision(6)))
                   : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
        table.append(el('tr', {class: k === 'total' ? 'total' : ''}, el('th', {}, labels[k] || k),
                        el('td', {}, format ? format(k, v) : text)));
      }
      holder.append(table);
    };
    // Where, when and how the run was made (results.json of earlier versions do not say).
    if (D.run) {
      keyValues('the run', {
        started: D.run.started.replace('T', ' ').replace('Z', ''),
        command_line: D.run.command_line.length ? D.run.command_line.map(shellWord).join(' ') : '–',
        engine: D.config.engine || '–',
      }, ['started', 'command_line', 'engine']);
    }
    keyValues('configuration', D.config, ['data', 'model', 'grid', 'shuffle', 'hidden', 'layers', 'epochs', 'batch',
                                          'learning_rate', 'seed', 'train_limit', 'threads'], null, CONFIG_LABELS);
    keyValues('timings (seconds)', D.timing_seconds, TIMING_ORDER, (k, v) => Number(v).toFixed(3));
    keyValues('data', {
      'image size': ROWS + ' × ' + COLS,
      'training images': D.data.train_images,
      'test images': D.data.test_images,
      'training data CRC-32': D.data.train_crc32 || '–',
      classes: CLASSES.join(', '),
    }, []);
    keyValues('machine and versions', Object.assign({}, D.machine, {
      'savant (run)': D.savant_version,
      'savant (report)': D.report_savant_version,
      vega: vega.version,
      'vega-lite': vegaLite.version,
      'vega-embed': vegaEmbed.version,
    }), ['host', 'cpu', 'hardware_threads', 'system', 'source']);
  }

  // Drawn once now, and again (each chart whose container changed width) after a resize.
  // The explorer's maps are made for the starting pixel: show the one chosen before.
  const reshowPixel = () => {
    if (!PIXEL_MAP) return;
    const pixel = savant.explorerPixel || start;
    savant.explorerPixel = null;
    showPixel(pixel.row, pixel.col);
  };
  savant.redraw = () => drawAll().then((outcomes) => {
    reshowPixel();
    return outcomes.every((o) => o.status === 'fulfilled');
  });
  savant.ready = savant.redraw().then((ok) => {
    document.body.dataset.ready = ok ? 'true' : 'false';
  });
  savantFit.onResize(savant.widths, (ids) => Promise.allSettled(ids.map(draw)).then(reshowPixel));
})();
