// Charts that fit their container, for the run report (report.js) and the sweep report
// (sweep.js). A chart is a function of the width it may take; axes and legends add to what Vega
// draws, so savantFit embeds it, measures the drawn SVG and embeds it again narrower until it
// fits its container. The chart goes into a child of the container: vega-embed makes its target
// an inline-block, which would then take the chart's width instead of giving its own.
'use strict';

window.savantFit = {
  // embed(target, spec) -> Promise of a Vega view drawn into the element target. Resolves to
  // {view, available}.
  async fit(node, make, embed) {
    const available = Math.floor(node.clientWidth);
    let width = available;
    let view = null;
    for (let attempt = 0; attempt < 4; ++attempt) {
      if (view) view.finalize();
      node.textContent = '';
      const target = node.appendChild(document.createElement('div'));
      view = await embed(target, savantFit.withLegends(make(Math.max(160, width)), width));
      const drawn = node.querySelector('svg').getBoundingClientRect().width;
      if (drawn <= available + 0.5 || width <= 160) break;
      width -= Math.ceil(drawn - available) + 2;
    }
    return {view, available};
  },

  // Legends under the chart, side by side where there is room, else one above the other; a long
  // title broken into lines that fit.
  withLegends(spec, width) {
    const title = typeof spec.title === 'string' ? {text: spec.title} : spec.title;
    if (title && typeof title.text === 'string') {
      const perLine = Math.max(16, Math.floor(width / 8));  // about 8 px a character at 13-14 px
      const lines = [];
      for (const word of title.text.split(' ')) {
        const last = lines.length - 1;
        if (last >= 0 && (lines[last] + ' ' + word).length <= perLine) lines[last] += ' ' + word;
        else lines.push(word);
      }
      spec.title = Object.assign({}, title, {text: lines});
    }
    spec.config = Object.assign({}, spec.config, {
      legend: Object.assign({orient: 'bottom', labelFontSize: 11, titleFontSize: 12, labelLimit: 320,
                             symbolOpacity: 1},
                            width < 640 ? {direction: 'vertical', columns: 1, gradientDirection: 'horizontal'}
                                        : {direction: 'horizontal'}),
    });
    return spec;
  },

  // How many panels of at least `least` pixels (axes included) fit side by side in `width`.
  columnsFor(width, panels, least) {
    return Math.max(1, Math.min(panels, Math.floor(width / least)));
  },

  // Calls redraw(ids) for the charts whose container changed width since `widths` was taken,
  // 150 ms after the window stops being resized.
  onResize(widths, redraw) {
    let timer = null;
    window.addEventListener('resize', () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const changed = Object.keys(widths).filter(
            (id) => Math.floor(document.getElementById(id).clientWidth) !== widths[id]);
        if (changed.length) redraw(changed);
      }, 150);
    });
  },
};
