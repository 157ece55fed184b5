// The report in a real browser: Debian's Chromium, headless, driven by playwright-core.
//
//   node browser_test.mjs --savant PATH/TO/savant --work DIR     (makes a small real run first)
//   node browser_test.mjs --report FILE.html --work DIR          (checks an existing report)
//
// Fails (exit 1) on a console error, a network request, a chart without rendered marks, an
// explorer that does not follow the pointer. Skips (exit 77, CTest's SKIP_RETURN_CODE) when
// the data set is not installed. Leaves DIR/report.png, a full-page screenshot.

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
  if (!args.work || !(args.savant || args.report)) {
    fail('usage: browser_test.mjs (--savant BINARY | --report FILE) --work DIR');
  }
  return args;
}

function makeReport(savant, work) {
  const data = process.env.SAVANT_DATA || '/usr/share/datasets/fashion-mnist';
  if (!['train-images-idx3-ubyte.gz', 'train-images-idx3-ubyte'].some((f) => fs.existsSync(path.join(data, f)))) {
    console.log(`browser_test: SKIP: no data set in ${data} (apt-get install dataset-fashion-mnist)`);
    process.exit(kSkip);
  }
  const run = path.join(work, 'run');
  fs.rmSync(run, {recursive: true, force: true});
  const output = execFileSync(savant, ['reproduce', '--train-limit', '3000', '--epochs', '1', '--out', run],
                              {encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']});
  const report = path.join(run, 'report.html');
  if (!output.includes(report)) fail(`'savant reproduce' did not print the report's path:\n${output}`);
  return report;
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

async function main() {
  const args = parseArgs(process.argv.slice(2));
  fs.mkdirSync(args.work, {recursive: true});
  const report = args.report ? path.resolve(args.report) : makeReport(args.savant, args.work);
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
    const consoleErrors = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));

    await page.goto(pathToFileURL(report).href, {waitUntil: 'load'});
    await page.waitForFunction(() => document.body.dataset.ready !== undefined, null, {timeout: 60000});
    const ready = await page.evaluate(() => document.body.dataset.ready);
    const chartErrors = await page.evaluate(() => window.savant.errors);
    if (ready !== 'true') problems.push(`the page reports failed charts: ${chartErrors.join('; ')}`);

    const marks = await page.evaluate(countDataMarks, kCharts);
    for (const id of kCharts) {
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
    const screenshot = path.join(args.work, 'report.png');
    await page.screenshot({path: screenshot, fullPage: true});
    console.log(`browser_test: screenshot ${screenshot}`);

    if (consoleErrors.length) problems.push(`console errors:\n  ${consoleErrors.join('\n  ')}`);
    if (requests.length) problems.push(`network requests:\n  ${requests.join('\n  ')}`);
  } finally {
    await context.close();
    fs.rmSync(profile, {recursive: true, force: true});
  }
  if (problems.length) fail(problems.join('\n'));
  console.log(`browser_test: PASS (${report})`);
}

main().catch((error) => fail(error.stack || String(error)));
