// MathJax 4 configuration for a locally served MathJax (docs/javascripts/vendor/mathjax).
// startup.typeset is false: Material's document$ observable fires on the first load AND after
// every instant navigation, and this handler does every typeset. Letting MathJax typeset on its
// own as well leaves formulas in the DOM whose glyph CSS has been cleared (invisible math).
// processHtmlClass covers arithmatex output and the Markdown cells of mkdocs-jupyter notebooks.
const PHONE = window.matchMedia("(max-width: 44.9375em)");   // Material's breakpoint for phones

window.MathJax = {
  // Unconfigured, MathJax 4 loads its fonts from a CDN. [mathjax] is the folder tex-chtml.js is
  // served from; the speech worker (sre/speech-worker.js) and TeX extensions load from there too.
  loader: { paths: { fonts: "[mathjax]/fonts" } },
  tex: { inlineMath: [["\\(", "\\)"], ["$", "$"]], displayMath: [["\\[", "\\]"], ["$$", "$$"]],
         processEscapes: true, processEnvironments: true },
  // A display formula wider than the column breaks into lines at its operators; one that cannot
  // (a matrix) scrolls inside its own box, with a cue (extra.css). On a phone, displays start at
  // the left edge: a centred equation keeps room for its number on both sides, which a 360 px
  // column cannot spare.
  output: { displayOverflow: "linebreak", linebreaks: { inline: true },
            displayAlign: PHONE.matches ? "left" : "center" },
  options: {
    ignoreHtmlClass: ".+", processHtmlClass: "arithmatex|jp-RenderedMarkdown",
    // Screen readers get each formula as hidden MathML (assistive MathML), as with MathJax 3.
    // MathJax 4's default instead computes spoken text in a worker, formula by formula: 35 s for
    // the 149 formulas of one page on two cores, and until it is done the next page's typeset
    // (after instant navigation) waits, so its math stays raw TeX. The menu still offers speech
    // (its worker and English rules are served from vendor/mathjax/sre/).
    menuOptions: { settings: { enrich: false, speech: false, braille: false, assistiveMml: true } },
  },
  startup: { typeset: false }            // the document$ handler below does every typeset
};

// MathJax measures the column once, when it typesets. A formula typeset while hidden (a folded
// answer, a content tab not shown) gets no column width and is not broken, and a rotated phone
// keeps the breaks of the old width; so a display formula is measured again, and typeset again if
// its column changed, when it is shown or the window is resized.
function refit(root) {
  const doc = MathJax.startup.document, jax = doc.outputJax;
  for (const item of doc.getMathItemsWithin(root)) {
    if (!item.display || !item.typesetRoot || !item.typesetRoot.isConnected) continue;
    const { em, ex, containerWidth, scale } = jax.getMetricsFor(item.typesetRoot.parentNode, true);
    if (containerWidth >= 1e6 || Math.abs(containerWidth - item.metrics.containerWidth) < 1) continue;
    item.setMetrics(em, ex, containerWidth, scale);
    item.rerender(doc);
  }
}

let resizeTimer = 0;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => MathJax.startup.promise.then(() => refit(document.body)), 200);
});
document.addEventListener("toggle", (event) => {          // <details> (does not bubble: capture)
  if (event.target.open) MathJax.startup.promise.then(() => refit(event.target));
}, true);
document.addEventListener("change", (event) => {          // pymdownx.tabbed: a radio per tab
  if (event.target.matches(".tabbed-set > input")) MathJax.startup.promise.then(() => refit(event.target.parentNode));
});

document$.subscribe(() => {
  MathJax.startup.promise.then(() => {
    MathJax.startup.output.clearCache(); MathJax.typesetClear(); MathJax.texReset();
    return MathJax.typesetPromise();
  });
});
