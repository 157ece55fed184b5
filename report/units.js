// The report's hidden-unit sections (docs/REPORT.md; the measures: docs/SPEC.md, section 10):
// the gallery of receptive fields with a detail view, block specialisation and border
// discontinuity, block lesions, puzzle invariance and the comparison of the two models. report.js
// calls savantUnits(page) with its helpers; a run without `units` in results.json keeps these
// sections hidden.
'use strict';

window.savantUnits = function (page) {
  const {D, MODELS, TESTS, NAME, MODEL_COLOURS, NO_VALUE_GREY, CLASSES, ROWS, COLS, GRID, el, chart, pct,
         fixed, bytesFromBase64, columnsFor, savant} = page;
  const U = D.units;
  const H = D.hidden_units;
  if (!U || !H) return;
  savant.unitsShown = true;
  for (const node of document.querySelectorAll('[data-units]')) node.hidden = false;

  const BLOCKS = GRID * GRID;
  const PIXELS = ROWS * COLS;
  const WEIGHTS = {trained: 'trained weights', change: 'change (trained − initial)'};
  const colourOf = (m) => MODEL_COLOURS.range[MODELS.indexOf(m)];
  // A Vega expression that shows each of `labels` on two lines, cut at the space nearest its
  // middle: the long names of a bar chart's two bands, which run into each other on one line
  // when the chart is narrow.
  const twoLineLabels = (labels) => labels.reduceRight((rest, label) => {
    let cut = -1;
    for (let i = label.indexOf(' '); i >= 0; i = label.indexOf(' ', i + 1)) {
      if (cut < 0 || Math.abs(i - label.length / 2) < Math.abs(cut - label.length / 2)) cut = i;
    }
    const lines = cut < 0 ? [label] : [label.slice(0, cut), label.slice(cut + 1)];
    return `datum.label === ${JSON.stringify(label)} ? ${JSON.stringify(lines)} : ${rest}`;
  }, 'datum.label');
  const blockName = (b) => 'block ' + b + ' (row ' + Math.floor(b / GRID) + ', column ' + (b % GRID) + ')';

  const units = {};
  for (const m of MODELS) {
    const h = H[m];
    units[m] = {
      count: h.scale.length,
      weights: bytesFromBase64(h.weights),
      shares: bytesFromBase64(h.shares),
      h,
    };
  }

  // --- 8. the gallery of receptive fields ----------------------------------------------------

  // White at 0, red at +max, blue at -max: the diverging scale of the PNG galleries (SPEC 10.1).
  function diverging(t) {
    const [r, g, b] = t >= 0 ? [178, 24, 43] : [33, 102, 172];
    const a = Math.min(1, Math.abs(t));
    return [Math.round(255 + (r - 255) * a), Math.round(255 + (g - 255) * a), Math.round(255 + (b - 255) * a)];
  }

  // Unit j's field at `scale` canvas pixels per image pixel, the block grid drawn over it.
  function fieldCanvas(m, j, scale) {
    const canvas = el('canvas', {width: COLS * scale, height: ROWS * scale});
    const context = canvas.getContext('2d');
    const image = context.createImageData(COLS * scale, ROWS * scale);
    const bytes = units[m].weights;
    for (let r = 0; r < ROWS * scale; ++r) {
      for (let c = 0; c < COLS * scale; ++c) {
        const b = bytes[j * PIXELS + Math.floor(r / scale) * COLS + Math.floor(c / scale)];
        image.data.set([...diverging((b - 128) / 127), 255], 4 * (r * COLS * scale + c));
      }
    }
    context.putImageData(image, 0, 0);
    context.strokeStyle = 'rgba(60, 60, 60, 0.8)';
    context.lineWidth = 1;
    context.beginPath();
    for (let k = 1; k < GRID; ++k) {
      const x = Math.round((k * COLS * scale) / GRID) + 0.5;
      const y = Math.round((k * ROWS * scale) / GRID) + 0.5;
      context.moveTo(x, 0);
      context.lineTo(x, ROWS * scale);
      context.moveTo(0, y);
      context.lineTo(COLS * scale, y);
    }
    context.stroke();
    return canvas;
  }

  // The g x g shares of unit j as a grid of cells, darker for a larger share, the value written
  // when the cells are large enough to hold it.
  function shareMap(m, j) {
    const map = el('div', {class: 'share-map', role: 'img'});
    map.style.gridTemplateColumns = 'repeat(' + GRID + ', 1fr)';
    const shares = units[m].shares;
    const labels = [];
    for (let b = 0; b < BLOCKS; ++b) {
      const s = shares[j * BLOCKS + b] / 255;
      const cell = el('div', {title: blockName(b) + ': ' + pct(s)}, GRID <= 7 ? Math.round(100 * s) + '' : '');
      // The owned maps' blue, full at a share of 0.5 and above.
      cell.style.background = 'rgba(8, 48, 107, ' + Math.min(1, 2 * s).toFixed(3) + ')';
      if (s > 0.25) cell.style.color = 'white';
      map.append(cell);
      labels.push(Math.round(100 * s));
    }
    map.setAttribute('aria-label', 'share of the unit\'s squared weight per block, in percent, row by row: ' +
                     labels.join(', '));
    return map;
  }

  // The classes unit j pushes up and down: its outgoing weights, largest first, as bars.
  function outgoing(m, j) {
    const weights = units[m].h.outgoing;
    if (!weights) return el('p', {}, 'A deeper network: its units reach the classes through other layers.');
    const order = CLASSES.map((name, c) => ({name, w: weights[j][c]})).sort((a, b) => b.w - a.w);
    const top = Math.max(...order.map((o) => Math.abs(o.w)), 1e-9);
    const list = el('table', {class: 'outgoing'});
    for (const o of order) {
      const bar = el('span', {class: o.w >= 0 ? 'bar up' : 'bar down'});
      bar.style.width = (50 * Math.abs(o.w)) / top + '%';
      list.append(el('tr', {}, el('th', {}, o.name), el('td', {class: 'bars'}, bar),
                     el('td', {}, (o.w >= 0 ? '+' : '−') + Math.abs(o.w).toFixed(3))));
    }
    const names = (xs) => xs.map((o) => o.name).join(', ');
    return el('div', {}, el('p', {class: 'pushes'}, 'pushes up: ' + names(order.slice(0, 3)) +
                            '; down: ' + names(order.slice(-3).reverse())), list);
  }

  let galleryModel = MODELS[MODELS.length - 1];
  const detail = document.getElementById('unit-detail');

  function showUnit(m, j) {
    const u = units[m];
    const h = u.h;
    savant.unitShown = {model: m, unit: j};
    const home = h.home[j];
    const border = h.discontinuity ? h.discontinuity[j] : null;
    detail.textContent = '';
    detail.append(
        el('h3', {}, NAME[m] + ', unit ' + j),
        el('p', {class: 'unit-facts'},
           (home == null ? 'no weight' : 'home ' + blockName(home)) +
           '\nspecialisation ' + fixed(h.specialisation[j], 3) + ' (change: ' + fixed(h.specialisation_change[j], 3) + ')' +
           (h.discontinuity ? '\nborder discontinuity ' + fixed(border, 2) : '') +
           '\nlargest |w| ' + fixed(h.scale[j], 4)),
        el('div', {class: 'unit-large'}, fieldCanvas(m, j, Math.max(1, Math.round(224 / COLS))),
           el('div', {class: 'legend'}, el('span', {}, '−' + fixed(h.scale[j], 3)), el('span', {class: 'ramp'}),
              el('span', {}, '+' + fixed(h.scale[j], 3)))),
        el('h4', {}, 'share of its squared weight per block (%)'),
        shareMap(m, j),
        el('h4', {}, 'outgoing weights (to the classes)'),
        outgoing(m, j));
  }

  function drawGallery() {
    const grid = document.getElementById('units-grid');
    grid.textContent = '';
    const h = units[galleryModel].h;
    for (const j of h.order) {
      // Unit, home block, specialisation: as the PNG galleries caption them.
      const tile = el('button', {class: 'unit', type: 'button', 'data-unit': String(j),
                                 'aria-label': NAME[galleryModel] + ' unit ' + j},
                      fieldCanvas(galleryModel, j, 3),
                      el('span', {}, 'u' + j + (h.home[j] == null ? '' : ' b' + h.home[j])),
                      el('span', {}, h.home[j] == null ? 'zero' : fixed(h.specialisation[j], 2)));
      tile.addEventListener('mouseenter', () => showUnit(galleryModel, j));
      tile.addEventListener('focus', () => showUnit(galleryModel, j));
      grid.append(tile);
    }
    showUnit(galleryModel, h.order[0]);
  }

  {
    const holder = document.getElementById('units-model');
    for (const m of MODELS) {
      const input = el('input', {type: 'radio', name: 'units-model', value: m});
      input.checked = m === galleryModel;
      input.addEventListener('change', () => {
        galleryModel = m;
        drawGallery();
      });
      holder.append(el('label', {}, input, ' ' + NAME[m]));
    }
    drawGallery();
  }

  // --- 9. block specialisation and border discontinuity --------------------------------------

  {
    const rows = [];
    const means = [];
    const ratios = [];
    for (const m of MODELS) {
      for (const w of ['trained', 'change']) {
        const values = w === 'trained' ? H[m].specialisation : H[m].specialisation_change;
        for (const s of values) if (s != null) rows.push({model: NAME[m], weights: WEIGHTS[w], s});
        means.push({model: NAME[m], weights: WEIGHTS[w], mean: U[m].specialisation[w].mean});
        const border = w === 'trained' ? H[m].discontinuity : H[m].discontinuity_change;
        for (const r of border || []) if (r != null) ratios.push({model: NAME[m], weights: WEIGHTS[w], r});
      }
    }
    const histogram = (w, width, field, x, title) => ({
      width,
      height: 180,
      title: WEIGHTS[w],
      layer: [
        {
          data: {values: field === 's' ? rows : ratios},
          transform: [{filter: {field: 'weights', equal: WEIGHTS[w]}}],
          mark: {type: 'bar', opacity: 0.6, binSpacing: 0},
          encoding: {
            x: Object.assign({field, type: 'quantitative', title}, x),
            y: {aggregate: 'count', type: 'quantitative', title: 'units', stack: null},
            color: {field: 'model', type: 'nominal', scale: MODEL_COLOURS, title: 'model'},
            tooltip: [{field: 'model'}, {aggregate: 'count', title: 'units'}],
          },
        },
      ].concat(field === 's' ? [{
        data: {values: means},
        transform: [{filter: {field: 'weights', equal: WEIGHTS[w]}}, {filter: 'datum.mean != null'}],
        mark: {type: 'rule', strokeWidth: 2, strokeDash: [4, 2]},
        encoding: {x: {field: 'mean', type: 'quantitative'},
                   color: {field: 'model', type: 'nominal', scale: MODEL_COLOURS},
                   tooltip: [{field: 'model'}, {field: 'mean', format: '.3f', title: 'mean specialisation'}]},
      }] : [{
        data: {values: [{one: 1}]},
        mark: {type: 'rule', color: '#555', strokeDash: [2, 2]},
        encoding: {x: {field: 'one', type: 'quantitative'}, tooltip: [{value: '1: the border makes no difference'}]},
      }]),
    });
    const panels = (id, field, x, title) => chart(id, (width) => {
      const columns = columnsFor(width, 2, 320);
      const size = Math.min(420, Math.floor(width / columns) - 80);
      return {columns, concat: ['trained', 'change'].map((w) => histogram(w, size, field, x, title)),
              resolve: {scale: {x: 'shared', y: 'shared'}}};
    });
    panels('chart-specialisation', 's',
           {bin: {extent: [0, 1], step: 0.05}, scale: {domain: [0, 1]}, axis: {values: [0, 1 / BLOCKS, 0.25, 0.5, 0.75, 1], format: '.2f'}},
           'specialisation (largest block share)');
    if (ratios.length) {
      let hi = 1;
      for (const r of ratios) hi = Math.max(hi, r.r);
      hi = Math.min(hi, 10);
      panels('chart-discontinuity', 'r', {bin: {extent: [0, hi], maxbins: 30}, scale: {domain: [0, hi]}},
             'border discontinuity (across / within)');
    } else {
      document.getElementById('chart-discontinuity').append(
          el('p', {}, 'No border discontinuity: the grid needs blocks of more than one pixel and at least two blocks.'));
    }

    // The owned-units maps, both models, trained weights and change.
    const owned = [];
    let most = 1;
    for (const m of MODELS) {
      for (const w of ['trained', 'change']) {
        U[m].specialisation[w].owned.forEach((row, r) => row.forEach((count, c) => {
          owned.push({model: NAME[m], weights: WEIGHTS[w], row: r, col: c, r0: r, r1: r + 1, c0: c, c1: c + 1, count});
          most = Math.max(most, count);
        }));
      }
    }
    const ownedMap = (m, w, size) => ({
      width: size,
      height: size,
      title: {text: [NAME[m] + ',', WEIGHTS[w]], color: colourOf(m), fontWeight: 'bold'},
      transform: [{filter: {and: [{field: 'model', equal: NAME[m]}, {field: 'weights', equal: WEIGHTS[w]}]}}],
      encoding: {
        x: {field: 'c0', type: 'quantitative', scale: {domain: [0, GRID], nice: false}, title: 'block column',
            axis: {values: [...Array(GRID).keys()].map((k) => k + 0.5), labelExpr: 'floor(datum.value)', grid: false}},
        y: {field: 'r0', type: 'quantitative', scale: {domain: [0, GRID], nice: false, reverse: true}, title: 'block row',
            axis: {values: [...Array(GRID).keys()].map((k) => k + 0.5), labelExpr: 'floor(datum.value)', grid: false}},
      },
      layer: [
        {
          mark: {type: 'rect', stroke: 'white', strokeWidth: 0.5},
          encoding: {x2: {field: 'c1'}, y2: {field: 'r1'},
                     color: {field: 'count', type: 'quantitative', title: 'units at home',
                             scale: {domain: [0, most], range: ['#ffffff', '#08306b']}},
                     tooltip: [{field: 'row', title: 'block row'}, {field: 'col', title: 'block column'},
                               {field: 'count', title: 'units at home'}]},
        },
      ].concat(GRID <= 7 ? [{
        transform: [{calculate: 'datum.c0 + 0.5', as: 'cx'}, {calculate: 'datum.r0 + 0.5', as: 'cy'}],
        mark: {type: 'text', fontSize: 11},
        encoding: {x: {field: 'cx', type: 'quantitative'}, y: {field: 'cy', type: 'quantitative'},
                   text: {field: 'count'},
                   color: {condition: {test: 'datum.count > ' + most / 2, value: 'white'}, value: '#333'}},
      }] : []),
    });
    chart('chart-owned', (width) => {
      const columns = columnsFor(width, 4, 230) === 3 ? 2 : columnsFor(width, 4, 230);
      const size = Math.min(200, Math.floor(width / columns) - 90);
      const maps = [];
      for (const m of MODELS) for (const w of ['trained', 'change']) maps.push(ownedMap(m, w, size));
      return {data: {values: owned}, columns, concat: maps, resolve: {scale: {color: 'shared'}}};
    });

    const table = document.getElementById('table-specialisation');
    table.append(el('caption', {}, 'Means over the units (' + units[MODELS[0]].count + ' per model; ' +
                    (units[MODELS[0]].count / BLOCKS).toFixed(1) + ' per block if each owned one)'));
    table.append(el('tr', {}, el('th', {}, ''), el('th', {}, 'weights'), el('th', {}, 'specialisation'),
                    el('th', {}, 'border discontinuity: mean'), el('th', {}, 'median')));
    for (const m of MODELS) {
      for (const w of ['trained', 'change']) {
        const d = U[m].border_discontinuity[w];
        table.append(el('tr', {}, el('th', {}, NAME[m]), el('th', {}, WEIGHTS[w]),
                        el('td', {}, fixed(U[m].specialisation[w].mean, 3)),
                        el('td', {}, d ? fixed(d.mean, 3) : '–'), el('td', {}, d ? fixed(d.median, 3) : '–')));
      }
    }
  }

  // --- 10. block lesions ---------------------------------------------------------------------

  {
    const cells = [];
    let most = 0.01;
    for (const m of MODELS) {
      U[m].lesions.lost.forEach((row, r) => row.forEach((lost, c) => {
        cells.push({model: NAME[m], row: r, col: c, r0: r, r1: r + 1, c0: c, c1: c + 1, lost,
                    accuracy: U[m].lesions.accuracy[r][c], text: lost == null ? '' : (100 * lost).toFixed(1)});
        if (lost != null) most = Math.max(most, lost);
      }));
    }
    const ticks = [...Array(GRID).keys()].map((k) => k + 0.5);
    const map = (m, size) => ({
      width: size,
      height: size,
      title: {text: [NAME[m] + ' on the ' + NAME[U[m].lesions.test] + ' images',
                     '(accuracy ' + pct(U[m].lesions.baseline) + ' without a lesion)'],
              color: colourOf(m), fontWeight: 'bold'},
      transform: [{filter: {field: 'model', equal: NAME[m]}}],
      encoding: {
        x: {field: 'c0', type: 'quantitative', scale: {domain: [0, GRID], nice: false}, title: 'block column',
            axis: {values: ticks, labelExpr: 'floor(datum.value)', grid: false}},
        y: {field: 'r0', type: 'quantitative', scale: {domain: [0, GRID], nice: false, reverse: true}, title: 'block row',
            axis: {values: ticks, labelExpr: 'floor(datum.value)', grid: false}},
      },
      layer: [
        {mark: {type: 'rect', fill: NO_VALUE_GREY}, encoding: {x2: {field: 'c1'}, y2: {field: 'r1'}}},
        {
          transform: [{filter: 'datum.lost != null'}],
          mark: {type: 'rect', stroke: 'white', strokeWidth: 0.5},
          encoding: {x2: {field: 'c1'}, y2: {field: 'r1'},
                     color: {field: 'lost', type: 'quantitative', title: 'accuracy lost',
                             scale: {scheme: 'orangered', domain: [Math.min(0, ...cells.map((c) => c.lost ?? 0)), most]},
                             legend: {format: '.0%'}},
                     tooltip: [{field: 'row', title: 'block row'}, {field: 'col', title: 'block column'},
                               {field: 'accuracy', format: '.1%', title: 'accuracy with the block zeroed'},
                               {field: 'lost', format: '.1%', title: 'accuracy lost'}]},
        },
      ].concat(GRID <= 7 ? [{
        transform: [{calculate: 'datum.c0 + 0.5', as: 'cx'}, {calculate: 'datum.r0 + 0.5', as: 'cy'}],
        mark: {type: 'text', fontSize: 10},
        encoding: {x: {field: 'cx', type: 'quantitative'}, y: {field: 'cy', type: 'quantitative'}, text: {field: 'text'},
                   color: {condition: {test: 'datum.lost > ' + most / 2, value: 'white'}, value: '#333'}},
      }] : []),
    });
    chart('chart-lesions', (width) => {
      const columns = columnsFor(width, MODELS.length, 300);
      const size = Math.min(300, Math.floor(width / columns) - 110);
      return {data: {values: cells}, columns, concat: MODELS.map((m) => map(m, size)),
              resolve: {scale: {color: 'shared'}}};
    });
  }

  // --- 11. puzzle invariance -----------------------------------------------------------------

  {
    const holder = document.getElementById('chart-invariance');
    const table = document.getElementById('table-invariance');
    const MEASURES = {consistent: 'same class for all puzzles', accuracy: 'accuracy over the puzzles'};
    const rows = [];
    for (const m of MODELS) {
      const v = U[m].invariance;
      if (!v) continue;
      for (const k of Object.keys(MEASURES)) rows.push({model: NAME[m], measure: MEASURES[k], value: v[k]});
    }
    if (!rows.length) {
      holder.append(el('p', {}, 'A grid of one block has no puzzles: nothing to measure.'));
    } else {
      chart('chart-invariance', (width) => ({
        width: Math.min(460, width - 60),
        height: 240,
        data: {values: rows},
        encoding: {
          x: {field: 'measure', type: 'nominal', title: null, sort: Object.values(MEASURES),
              axis: {labelAngle: 0, labelLimit: 200, labelExpr: twoLineLabels(Object.values(MEASURES))}},
          xOffset: {field: 'model', type: 'nominal', sort: MODELS.map((m) => NAME[m])},
        },
        layer: [
          {mark: 'bar',
           encoding: {y: {field: 'value', type: 'quantitative', scale: {domain: [0, 1]}, axis: {format: '.0%'},
                          title: 'share of the test images / puzzles'},
                      color: {field: 'model', type: 'nominal', scale: MODEL_COLOURS, title: 'model'},
                      tooltip: [{field: 'model'}, {field: 'measure'}, {field: 'value', format: '.1%'}]}},
          {mark: {type: 'text', dy: -8, fontSize: 11},
           encoding: {y: {field: 'value', type: 'quantitative'}, text: {field: 'value', format: '.1%'}}},
        ],
      }));
      table.append(el('caption', {}, U.puzzles + ' puzzles of each of ' + U.test_images + ' test images'));
      table.append(el('tr', {}, el('th', {}, ''), ...Object.values(MEASURES).map((t) => el('th', {}, t))));
      for (const m of MODELS) {
        const v = U[m].invariance;
        if (v) table.append(el('tr', {}, el('th', {}, NAME[m]), el('td', {}, pct(v.consistent)), el('td', {}, pct(v.accuracy))));
      }
    }
  }

  // --- 12. the two models compared -----------------------------------------------------------

  {
    const MEASURES = {cka: 'linear CKA of the hidden layers', agreement: 'same class (agreement)'};
    const rows = [];
    for (const t of TESTS) {
      for (const k of Object.keys(MEASURES)) {
        const value = U.comparison[t][k];
        if (value != null) rows.push({test: NAME[t], measure: MEASURES[k], value});
      }
    }
    // Not a model: the two test sets in greys, the model colours stay the models'.
    chart('chart-comparison', (width) => ({
      width: Math.min(460, width - 60),
      height: 240,
      data: {values: rows},
      encoding: {
        x: {field: 'measure', type: 'nominal', title: null, sort: Object.values(MEASURES),
            axis: {labelAngle: 0, labelLimit: 200, labelExpr: twoLineLabels(Object.values(MEASURES))}},
        xOffset: {field: 'test', type: 'nominal', sort: TESTS.map((t) => NAME[t])},
      },
      layer: [
        {mark: 'bar',
         encoding: {y: {field: 'value', type: 'quantitative', scale: {domain: [0, 1]}, title: 'CKA / share of the test images'},
                    color: {field: 'test', type: 'nominal', title: 'test images', sort: TESTS.map((t) => NAME[t]),
                            scale: {range: ['#4d4d4d', '#a6a6a6']}},
                    tooltip: [{field: 'test'}, {field: 'measure'}, {field: 'value', format: '.3f'}]}},
        {mark: {type: 'text', dy: -8, fontSize: 11},
         encoding: {y: {field: 'value', type: 'quantitative'}, text: {field: 'value', format: '.2f'}}},
      ],
    }));
    const table = document.getElementById('table-comparison');
    table.append(el('caption', {}, 'The first ' + U.test_images + ' test images'));
    table.append(el('tr', {}, el('th', {}, 'test images'), el('th', {}, 'linear CKA'), el('th', {}, 'agreement')));
    for (const t of TESTS) {
      const c = U.comparison[t];
      table.append(el('tr', {}, el('th', {}, NAME[t]), el('td', {}, c.cka == null ? 'undefined' : fixed(c.cka, 3)),
                      el('td', {}, pct(c.agreement))));
    }
  }
};
