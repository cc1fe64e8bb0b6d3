// MathJax 3 configuration for a locally served MathJax (docs/javascripts/vendor/mathjax).
// startup.typeset is false: Material's document$ observable fires on the first load AND after
// every instant navigation, and this handler does every typeset. Letting MathJax typeset on its
// own as well leaves formulas in the DOM whose glyph CSS has been cleared (invisible math).
// processHtmlClass covers arithmatex output and the Markdown cells of mkdocs-jupyter notebooks.
window.MathJax = {
  tex: { inlineMath: [["\\(", "\\)"], ["$", "$"]], displayMath: [["\\[", "\\]"], ["$$", "$$"]],
         processEscapes: true, processEnvironments: true },
  options: { ignoreHtmlClass: ".+", processHtmlClass: "arithmatex|jp-RenderedMarkdown" },
  startup: { typeset: false }            // the document$ handler below does every typeset
};
document$.subscribe(() => {
  MathJax.startup.promise.then(() => {
    MathJax.startup.output.clearCache(); MathJax.typesetClear(); MathJax.texReset();
    return MathJax.typesetPromise();
  });
});
