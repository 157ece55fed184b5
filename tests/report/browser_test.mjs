// The report in a real browser: Debian's Chromium, headless, driven by playwright-core.
//
//   node browser_test.mjs --savant PATH/TO/savant --work DIR     (makes a small real run and a
//                                                                 tiny sweep first)
//   node browser_test.mjs --report FILE.html --work DIR          (checks an existing report)
//   node browser_test.mjs --sweep-report FILE.html --work DIR    (checks an existing sweep report)
//
// Fails (exit 1) on a console error, a network request, a chart without rendered marks, an
// explorer that does not follow the pointer, and, at window widths of 360, 800 and 1400 px, a
// page that scrolls sideways or a chart wider than its container, a unit gallery whose detail
// does not follow the pointer or the keyboard, axis labels that touch or overlap, a legend
// entry of the article without a visible symbol, and (with --savant) a page of a results.json
// without "units" that shows the unit sections or fails, or a cnn run's page without its first
// layer. Skips (exit 77, CTest's
// SKIP_RETURN_CODE) when the data set is not installed. Leaves full-page screenshots in DIR:
// report.png (1280 px), report-800.png, report-1400.png and sweep-report.png, and of the unit
// sections at 1280 px: report-units.png (the gallery) and report-unit-measures.png.

import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import {createRequire} from 'node:module';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

const kSkip = 77;
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const chromiumPath = process.env.SAVANT_CHROMIUM || '/usr/bin/chromium';

// Every chart the page draws; each must end up with marks that show data.
const kCharts = [
  'chart-accuracy', 'chart-heatmaps', 'chart-explorer-original', 'chart-explorer-shuffled',
  'chart-training', 'chart-confusion', 'chart-signature', 'chart-contrast',
];
// The charts of the unit sections (report/units.js), drawn when results.json has "units".
const kUnitCharts = [
  'chart-specialisation', 'chart-owned', 'chart-discontinuity', 'chart-lesions', 'chart-invariance',
  'chart-comparison',
];
const kUnitSections = ['units', 'specialisation', 'lesions', 'invariance', 'comparison'];

function fail(message) {
  console.error(`browser_test: FAIL: ${message}`);
  process.exit(1);
}

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) fail(`bad arguments: ${argv.join(' ')}`);
    args[argv[i].slice(2)] = argv[i + 1];
  }
  if (!args.work || !(args.savant || args.report || args['sweep-report'])) {
    fail('usage: browser_test.mjs (--savant BINARY | --report FILE | --sweep-report FILE) --work DIR');
  }
  return args;
}

const kWidths = [360, 800, 1400];

function requireData() {
  const data = process.env.SAVANT_DATA || '/usr/share/datasets/fashion-mnist';
  if (!['train-images-idx3-ubyte.gz', 'train-images-idx3-ubyte'].some((f) => fs.existsSync(path.join(data, f)))) {
    console.log(`browser_test: SKIP: no data set in ${data} (apt-get install dataset-fashion-mnist)`);
    process.exit(kSkip);
  }
}

// A sweep of 8 small jobs and its page.
function makeSweepReport(savant, work) {
  const db = path.join(work, 'sweep.db');
  const page = path.join(work, 'sweep.html');
  fs.rmSync(db, {force: true});
  execFileSync(savant, ['sweep', '--db', db, '--grid', '2,4', '--train-on', 'original,shuffled', '--hidden', '16',
                        '--epochs', '1', '--train-limit', '500', '--seeds', '2'],
               {stdio: ['ignore', 'ignore', 'inherit']});
  execFileSync(savant, ['report', '--db', db, '--out', page], {stdio: ['ignore', 'ignore', 'inherit']});
  return page;
}

function makeReport(savant, work) {
  requireData();
  const run = path.join(work, 'run');
  fs.rmSync(run, {recursive: true, force: true});
  const output = execFileSync(savant, ['reproduce', '--train-limit', '3000', '--epochs', '1', '--out', run],
                              {encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']});
  const report = path.join(run, 'report.html');
  if (!output.includes(report)) fail(`'savant reproduce' did not print the report's path:\n${output}`);
  return report;
}

// The same run's page from a results.json of an earlier version, without "units".
function makeReportWithoutUnits(savant, report, work) {
  const run = path.dirname(report);
  const old = path.join(work, 'run-without-units');
  fs.rmSync(old, {recursive: true, force: true});
  fs.mkdirSync(old);
  for (const file of ['original_model.safetensors', 'shuffled_model.safetensors']) {
    fs.copyFileSync(path.join(run, file), path.join(old, file));
  }
  const results = JSON.parse(fs.readFileSync(path.join(run, 'results.json'), 'utf8'));
  // Files of that version had no units, no run id, no manifest and no warnings.
  delete results.units;
  delete results.timing_seconds.units;
  delete results.run;
  delete results.manifest;
  delete results.warnings;
  fs.writeFileSync(path.join(old, 'results.json'), JSON.stringify(results));
  const page = path.join(old, 'report.html');
  execFileSync(savant, ['report', old, '--out', page], {stdio: ['ignore', 'ignore', 'inherit']});
  return page;
}

// A run of a model without a dense first layer (a cnn on 1000 images, one epoch): its page has
// no pixel map and shows the first layer instead.
function makeArchReport(savant, work) {
  const run = path.join(work, 'run-cnn');
  fs.rmSync(run, {recursive: true, force: true});
  execFileSync(savant, ['reproduce', '--model', 'cnn', '--train-limit', '1000', '--epochs', '1',
                        '--epoch-eval', 'none', '--quiet', '--out', run],
               {stdio: ['ignore', 'ignore', 'inherit']});
  return path.join(run, 'report.html');
}

// Runs in the page: the number of items, per chart, of the marks that draw data (role "mark"),
// leaving out axes, legends and titles, which render even when the data does not.
function countDataMarks(charts) {
  const count = (mark) => {
    let n = 0;
    for (const item of mark.items || []) {
      if (mark.marktype === 'group') {
        for (const child of item.items || []) n += count(child);
      } else if (mark.role === 'mark') {
        n += 1;
      }
    }
    return n;
  };
  const out = {};
  for (const id of charts) {
    const view = window.savant.views[id];
    const svgItems = document.querySelectorAll(`#${id} svg .role-mark > *`).length;
    out[id] = view ? {scenegraph: count(view.scenegraph().root), svg: svgItems} : null;
  }
  return out;
}

// Runs in the page: the document's width against the window's, and each chart's drawn width
// against its container's.
function measureWidths(charts) {
  const out = {innerWidth: window.innerWidth, scrollWidth: document.documentElement.scrollWidth, charts: {}};
  for (const id of charts) {
    const node = document.getElementById(id);
    const svg = node && node.querySelector('svg');
    out.charts[id] = {container: node ? node.clientWidth : null,
                      chart: svg ? Math.ceil(svg.getBoundingClientRect().width) : null};
  }
  return out;
}

// Runs in the page: the pairs of shown labels of one axis that overlap or are closer than
// `separation` px side by side ("0.00.2"), per chart. Turned labels (the confusion matrix's)
// are left out: their boxes overlap where the words do not.
function crowdedAxisLabels({charts, separation}) {
  const out = [];
  for (const id of charts) {
    for (const axis of document.querySelectorAll(`#${id} svg .role-axis`)) {
      const labels = Array.from(axis.querySelectorAll('.role-axis-label text'))
          .filter((t) => t.textContent && t.getAttribute('opacity') !== '0' &&
                         !/rotate\((?!0\))/.test(t.getAttribute('transform') || ''))
          .map((t) => ({text: t.textContent, box: t.getBoundingClientRect()}));
      for (let i = 0; i < labels.length; ++i) {
        for (let j = i + 1; j < labels.length; ++j) {
          const a = labels[i].box, b = labels[j].box;
          const apartX = a.right + separation <= b.left || b.right + separation <= a.left;
          const apartY = a.bottom <= b.top || b.bottom <= a.top;
          if (!apartX && !apartY) out.push(`${id}: "${labels[i].text}" and "${labels[j].text}"`);
        }
      }
    }
  }
  return out;
}

// Runs in the page: the legend symbol of the entry whose label starts with `label` in chart
// `id`: its size and how it is painted; null when there is no such entry.
function legendSymbol({id, label}) {
  for (const entry of document.querySelectorAll(`#${id} svg .role-legend-entry .role-scope > g`)) {
    const text = entry.querySelector('.role-legend-label text');
    if (!text || !text.textContent.startsWith(label)) continue;
    const path = entry.querySelector('.role-legend-symbol path');
    if (!path) return {missing: true};
    const box = path.getBoundingClientRect();
    const style = getComputedStyle(path);
    return {width: box.width, height: box.height, fill: style.fill, stroke: style.stroke,
            strokeWidth: parseFloat(style.strokeWidth), opacity: Number(style.opacity)};
  }
  return null;
}

// Whether a legend symbol read by legendSymbol shows: opaque, with an area filled or a line
// stroked in a colour that is not transparent.
function symbolShows(s) {
  if (!s || s.missing || !(s.opacity > 0)) return false;
  const painted = (colour) => colour && colour !== 'none' && !/rgba\(.*,\s*0\)$/.test(colour) &&
                               colour !== 'transparent';
  const filled = painted(s.fill) && s.width > 1 && s.height > 1;
  const stroked = painted(s.stroke) && s.strokeWidth > 0 && s.width + s.height > 1;
  return filled || stroked;
}

// Draws the page again at each width and checks that nothing is wider than the window and that
// no axis has crowded labels.
async function checkWidths(page, charts, problems, label, shots) {
  for (const width of kWidths) {
    await page.setViewportSize({width, height: 900});
    const ok = await page.evaluate(() => window.savant.redraw());
    if (!ok) problems.push(`${label} at ${width} px: a chart failed to draw`);
    const m = await page.evaluate(measureWidths, charts);
    if (m.scrollWidth > m.innerWidth) {
      problems.push(`${label} at ${width} px: the page is ${m.scrollWidth} px wide, the window ${m.innerWidth} px`);
    }
    for (const [id, c] of Object.entries(m.charts)) {
      if (c.chart === null) problems.push(`${label} at ${width} px: ${id} has no chart`);
      else if (c.chart > c.container) {
        problems.push(`${label} at ${width} px: ${id} is ${c.chart} px wide in a ${c.container} px container`);
      }
    }
    for (const crowded of await page.evaluate(crowdedAxisLabels, {charts, separation: 3})) {
      problems.push(`${label} at ${width} px: axis labels touch or overlap: ${crowded}`);
    }
    console.log(`browser_test: ${label} at ${width} px: ${JSON.stringify(m)}`);
    if (shots[width]) {
      await page.screenshot({path: shots[width], fullPage: true});
      console.log(`browser_test: screenshot ${shots[width]}`);
    }
  }
}

// Collects what `page` logs as errors and what it throws, into the array it returns.
function collectErrors(page) {
  const errors = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  return errors;
}

// Loads a report into `page` and waits until its charts have settled; true when all drew.
async function loadReport(page, file) {
  await page.goto(pathToFileURL(file).href, {waitUntil: 'load'});
  await page.waitForFunction(() => document.body.dataset.ready !== undefined, null, {timeout: 60000});
  return (await page.evaluate(() => document.body.dataset.ready)) === 'true';
}

async function checkSweepReport(context, file, work, problems) {
  const page = await context.newPage();
  const errors = collectErrors(page);
  if (!(await loadReport(page, file))) {
    problems.push(`sweep report: failed charts: ${(await page.evaluate(() => window.savant.errors)).join('; ')}`);
  }
  const charts = await page.evaluate(() => Object.keys(window.savant.views));
  if (charts.length === 0) problems.push('sweep report: no charts');
  const marks = await page.evaluate(countDataMarks, charts);
  for (const id of charts) {
    if (!marks[id] || marks[id].scenegraph === 0 || marks[id].svg === 0) {
      problems.push(`sweep report: ${id} has no rendered marks`);
    }
  }
  const cells = await page.locator('#sweep-table tbody tr').count();
  if (cells === 0) problems.push('sweep report: the table has no rows');
  // Sorting by a column header orders the rows by it.
  const header = page.locator('#sweep-table th[data-key=accuracy]');
  if ((await header.count()) !== 1) {
    problems.push('sweep report: the table has no accuracy column');
  } else {
    await header.click();
    await header.click();  // descending
    const values = await page.evaluate(() => Array.from(
        document.querySelectorAll('#sweep-table tbody tr'), (tr) => Number(tr.dataset.accuracy)));
    const sorted = [...values].sort((a, b) => b - a);
    if (values.join() !== sorted.join()) problems.push(`sweep report: sorting by accuracy gave ${values.join()}`);
  }
  const titles = await page.evaluate(() => document.body.innerText);
  for (const raw of ['original_test', 'shuffled_test']) {
    if (titles.includes(raw)) problems.push(`sweep report: shows the raw key ${raw}`);
  }
  await checkWidths(page, charts, problems, 'sweep report', {800: path.join(work, 'sweep-report.png')});
  if (errors.length) problems.push(`sweep report: console errors:\n  ${errors.join('\n  ')}`);
  await page.close();
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  fs.mkdirSync(args.work, {recursive: true});
  const report = args.report ? path.resolve(args.report)
               : args.savant ? makeReport(args.savant, args.work) : null;
  const sweepReport = args['sweep-report'] ? path.resolve(args['sweep-report'])
                    : args.savant ? makeSweepReport(args.savant, args.work) : null;
  if (!fs.existsSync(chromiumPath)) {
    fail(`${chromiumPath} not found: run scripts/setup (it installs Debian's chromium)`);
  }
  const require = createRequire(path.join(repo, 'report', 'package.json'));
  let chromium;
  try {
    ({chromium} = require('playwright-core'));
  } catch (error) {
    fail(`playwright-core is not installed in report/node_modules: run scripts/setup (${error.message})`);
  }

  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'savant-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: {width: 1280, height: 900},
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const problems = [];
  try {
    // Anything that leaves the file system is a failure, and is refused before it goes out.
    const requests = [];
    await context.route(/^(?!file:|data:|blob:|about:)/, (route) => {
      requests.push(route.request().url());
      return route.abort();
    });
    const page = context.pages()[0] || (await context.newPage());
    page.on('request', (request) => {
      const url = request.url();
      if (!/^(file|data|blob|about):/.test(url)) requests.push(url);
    });
    const consoleErrors = collectErrors(page);

    if (report) await checkRunReport(page, report, args.work, problems);
    if (report && args.savant) {
      await checkReportWithoutUnits(context, makeReportWithoutUnits(args.savant, report, args.work), problems);
      await checkArchReport(context, makeArchReport(args.savant, args.work), args.work, problems);
    }
    if (sweepReport) await checkSweepReport(context, sweepReport, args.work, problems);

    if (consoleErrors.length) problems.push(`console errors:\n  ${consoleErrors.join('\n  ')}`);
    if (requests.length) problems.push(`network requests:\n  ${requests.join('\n  ')}`);
  } finally {
    await context.close();
    fs.rmSync(profile, {recursive: true, force: true});
  }
  if (problems.length) fail(problems.join('\n'));
  console.log(`browser_test: PASS (${[report, sweepReport].filter(Boolean).join(', ')})`);
}

async function checkRunReport(page, report, work, problems) {
    const ready = await loadReport(page, report);
    const chartErrors = await page.evaluate(() => window.savant.errors);
    if (!ready) problems.push(`the page reports failed charts: ${chartErrors.join('; ')}`);

    const hasUnits = await page.evaluate(() => window.savant.unitsShown === true);
    const charts = hasUnits ? kCharts.concat(kUnitCharts) : kCharts;
    const marks = await page.evaluate(countDataMarks, charts);
    for (const id of charts) {
      const m = marks[id];
      if (!m) problems.push(`${id}: no Vega view`);
      else if (m.scenegraph === 0 || m.svg === 0) problems.push(`${id}: no rendered marks (${JSON.stringify(m)})`);
    }
    console.log(`browser_test: data marks per chart: ${JSON.stringify(marks)}`);

    const samples = await page.locator('#gallery-grid .sample canvas').count();
    if (samples === 0) problems.push('the gallery shows no images');

    // Hover a pixel of the shuffled model's explorer; both maps must follow it.
    const explorerState = () => page.evaluate(() => ({
      pixel: window.savant.explorerPixel,
      status: document.getElementById('explorer-status').textContent,
      fills: ['chart-explorer-original', 'chart-explorer-shuffled'].map((id) =>
        Array.from(document.querySelectorAll(`#${id} svg .role-mark`)[0].children, (p) => p.getAttribute('fill')).join()),
    }));
    const before = await explorerState();
    const cells = page.locator('#chart-explorer-shuffled svg .role-mark').first();
    await cells.scrollIntoViewIfNeeded();
    const box = await cells.boundingBox();
    const target = {row: 10, col: 13};
    const {rows, cols} = await page.evaluate(() => {
      const d = JSON.parse(document.getElementById('savant-data').textContent).data;
      return {rows: d.image_rows, cols: d.image_cols};
    });
    await page.mouse.move(box.x + ((target.col + 0.5) / cols) * box.width,
                          box.y + ((target.row + 0.5) / rows) * box.height);
    await page.waitForFunction(
        (t) => window.savant.explorerPixel && window.savant.explorerPixel.row === t.row &&
               window.savant.explorerPixel.col === t.col, target, {timeout: 10000})
        .catch(() => problems.push(`hovering pixel (${target.row}, ${target.col}) did not select it`));
    await page.waitForTimeout(300);
    const after = await explorerState();
    if (after.status === before.status) problems.push('hovering a pixel did not change the explorer status');
    for (const i of [0, 1]) {
      if (after.fills[i] === before.fills[i]) problems.push(`hovering a pixel did not redraw explorer map ${i}`);
    }

    // The block-grid switch of the heat maps.
    const toggle = page.locator('#chart-heatmaps input[type=checkbox]');
    if ((await toggle.count()) !== 1) problems.push('the heat maps have no block-grid switch');
    else await toggle.check();

    await page.mouse.move(0, 0);
    const screenshot = path.join(work, 'report.png');
    await page.screenshot({path: screenshot, fullPage: true});
    console.log(`browser_test: screenshot ${screenshot}`);

    // The article's legend entry has a symbol that shows.
    const article = await page.evaluate(legendSymbol, {id: 'chart-accuracy', label: 'the article'});
    if (!symbolShows(article)) {
      problems.push(`the legend entry "the article ..." has no visible symbol: ${JSON.stringify(article)}`);
    }

    // The differences are signed.
    const differences = await page.evaluate(() => Array.from(
        document.querySelectorAll('#table-accuracy tr td:last-child'), (td) => td.textContent));
    for (const d of differences) {
      if (!/^[+−±]\d+\.\d pt$/.test(d)) problems.push(`accuracy table: difference "${d}" has no sign`);
    }

    if (hasUnits) await checkUnits(page, work, problems);
    else console.log('browser_test: the run has no "units": unit sections not checked');

    await checkWidths(page, charts, problems, 'report',
                      {800: path.join(work, 'report-800.png'), 1400: path.join(work, 'report-1400.png')});
}

// The unit gallery: a tile per hidden unit, a detail view that follows the pointer and the
// keyboard, and a switch between the models.
async function checkUnits(page, work, problems) {
  for (const id of kUnitSections) {
    if (await page.locator(`#${id}`).isHidden()) problems.push(`unit section #${id} is hidden`);
  }
  const expected = await page.evaluate(() => {
    const d = JSON.parse(document.getElementById('savant-data').textContent);
    return {units: d.config.hidden, blocks: d.config.grid * d.config.grid, classes: d.data.class_names.length};
  });
  const tiles = page.locator('#units-grid .unit');
  if ((await tiles.count()) !== expected.units) {
    problems.push(`the unit gallery has ${await tiles.count()} tiles, expected ${expected.units}`);
    return;
  }
  const detail = () => page.evaluate(() => ({
    shown: window.savant.unitShown,
    title: document.querySelector('#unit-detail h3')?.textContent,
    shares: document.querySelectorAll('#unit-detail .share-map div').length,
    classes: document.querySelectorAll('#unit-detail .outgoing tr').length,
    pixels: (() => {
      const canvas = document.querySelector('#unit-detail canvas');
      return canvas ? canvas.toDataURL() : null;
    })(),
  }));
  const before = await detail();
  const tile = tiles.nth(5);
  const unit = Number(await tile.getAttribute('data-unit'));
  await tile.scrollIntoViewIfNeeded();
  await tile.hover();
  const after = await detail();
  if (!after.shown || after.shown.unit !== unit) {
    problems.push(`hovering unit ${unit} did not show it (shown: ${JSON.stringify(after.shown)})`);
  }
  if (!after.title || !after.title.endsWith(`unit ${unit}`)) problems.push(`unit detail title "${after.title}"`);
  if (after.pixels === before.pixels) problems.push('hovering a unit did not redraw its enlarged weights');
  if (after.shares !== expected.blocks) problems.push(`the share map has ${after.shares} cells, expected ${expected.blocks}`);
  if (after.classes !== expected.classes) {
    problems.push(`the outgoing weights list ${after.classes} classes, expected ${expected.classes}`);
  }
  await page.locator('#units').screenshot({path: path.join(work, 'report-units.png')});
  // The keyboard: focusing another tile shows it.
  const other = tiles.nth(9);
  const otherUnit = Number(await other.getAttribute('data-unit'));
  await page.mouse.move(0, 0);
  await other.focus();
  if ((await detail()).shown?.unit !== otherUnit) problems.push(`focusing unit ${otherUnit} did not show it`);
  // The other model's gallery.
  const model = await page.evaluate(() => window.savant.unitShown.model);
  await page.locator('#units-model input:not(:checked)').check();
  const switched = await detail();
  if (!switched.shown || switched.shown.model === model) problems.push('the model switch did not change the gallery');
  await page.locator('#units-model input:not(:checked)').check();  // back to the first
  // Sections 9 to 12 in one picture.
  const clip = await page.evaluate(() => {
    const top = document.getElementById('specialisation').getBoundingClientRect();
    const bottom = document.getElementById('comparison').getBoundingClientRect();
    return {x: 0, y: top.top + window.scrollY, width: window.innerWidth, height: bottom.bottom - top.top};
  });
  await page.screenshot({path: path.join(work, 'report-unit-measures.png'), fullPage: true, clip});
}

// A results.json without "units" (earlier versions): the page draws, the unit sections stay hidden.
// The page of a cnn run: every chart it draws has marks, the pixel-map and unit sections are
// hidden, the first layer shows 16 filters per model and the reason line, and the sections
// shown are numbered 1, 2, 3, ... in order.
async function checkArchReport(context, file, work, problems) {
  const page = await context.newPage();
  const errors = collectErrors(page);
  if (!(await loadReport(page, file))) problems.push('cnn report: a chart failed to draw');
  const charts = ['chart-accuracy', 'chart-training', 'chart-confusion'];
  const marks = await page.evaluate(countDataMarks, charts);
  for (const id of charts) {
    if (!marks[id] || marks[id].scenegraph === 0) problems.push(`cnn report: ${id} has no rendered marks`);
  }
  for (const id of ['heatmaps', 'explorer', 'signature'].concat(kUnitSections)) {
    if (await page.locator(`#${id}`).isVisible()) problems.push(`cnn report: #${id} is shown`);
  }
  if (!(await page.locator('#first-layer').isVisible())) problems.push('cnn report: #first-layer is hidden');
  const tiles = await page.locator('#first-layer .first-layer-tile canvas').count();
  if (tiles !== 32) problems.push(`cnn report: ${tiles} filter pictures, expected 2 x 16`);
  const reason = await page.locator('#first-layer-reason').textContent();
  if (!reason.includes('not defined for the cnn model')) problems.push(`cnn report: reason line "${reason}"`);
  const numbers = await page.evaluate(() => Array.from(
      document.querySelectorAll('main > section:not([hidden]) > h2'), (h) => parseInt(h.textContent, 10)));
  if (numbers.join() !== numbers.map((_, i) => i + 1).join()) {
    problems.push(`cnn report: sections numbered ${numbers.join()}`);
  }
  const shot = path.join(work, 'report-cnn.png');
  await page.screenshot({path: shot, fullPage: true});
  console.log(`browser_test: cnn report: first layer shown; screenshot ${shot}`);
  if (errors.length) problems.push(`cnn report: console errors:\n  ${errors.join('\n  ')}`);
  await page.close();
}

async function checkReportWithoutUnits(context, file, problems) {
  const page = await context.newPage();
  const errors = collectErrors(page);
  if (!(await loadReport(page, file))) {
    problems.push('report without units: a chart failed to draw');
  }
  for (const id of kUnitSections) {
    if (await page.locator(`#${id}`).isVisible()) problems.push(`report without units: #${id} is shown`);
  }
  if (await page.evaluate(() => window.savant.unitsShown === true)) problems.push('report without units: units drawn');
  if (errors.length) problems.push(`report without units: console errors:\n  ${errors.join('\n  ')}`);
  console.log('browser_test: report without units: the unit sections are hidden');
  await page.close();
}

main().catch((error) => fail(error.stack || String(error)));
