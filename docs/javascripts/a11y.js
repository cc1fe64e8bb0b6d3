// Keyboard access to every box that scrolls (WCAG 2.1.1). A table, listing, formula, output or widget
// strip that is wider (or taller) than its box scrolls inside it; if nothing inside it can take the
// focus, a keyboard user could not reach the hidden part. Such a box gets tabindex="0": Tab focuses
// it (extra.css draws the focus) and the arrow keys scroll it. Checked on every page (Material's
// document$ fires after instant navigation too), after a resize, and when a widget redraws.
const FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]:not([tabindex='-1'])";

function scrolls(box) {
  const wide = box.scrollWidth > box.clientWidth + 1, tall = box.scrollHeight > box.clientHeight + 1;
  if (!wide && !tall) return false;
  const style = getComputedStyle(box);
  return (wide && /auto|scroll/.test(style.overflowX)) || (tall && /auto|scroll/.test(style.overflowY));
}

function reachScrollingBoxes() {
  for (const box of document.querySelectorAll(".md-content *")) {
    if (box.hasAttribute("tabindex") || box.clientWidth === 0) continue;
    if (scrolls(box) && !box.querySelector(FOCUSABLE)) box.setAttribute("tabindex", "0");
  }
}

let pending = 0;
function later() {
  clearTimeout(pending);
  pending = setTimeout(reachScrollingBoxes, 300);
}

const redraws = new MutationObserver(later);
document$.subscribe(() => {
  reachScrollingBoxes();
  redraws.disconnect();
  const content = document.querySelector(".md-content");
  if (content) redraws.observe(content, { childList: true, subtree: true });
});
window.addEventListener("resize", later);
