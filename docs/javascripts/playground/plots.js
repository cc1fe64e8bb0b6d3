// plots.js — the playground's line plots, drawn on a <canvas> (page.js redraws them on animation frames).
//
//   drawPlot(canvas, {
//     x: {min, max, label, log?},  y: {min, max, label, log?},
//     series: [{points: [[x, y], …], colour, dash: [on, off] | [], width?}],
//     lines:  [{y, colour, dash, label}]      horizontal references (chance, the 95% bar)
//     bands:  [{from, to, label}]             shaded x ranges (where the informative symbols are)
//   })
//
// The canvas takes its container's width and its CSS height, at the screen's pixel density. Text and
// axes take the canvas's CSS colour (the page's text colour, so both palettes work); data colours
// are the caller's (the book's palette). A log axis draws log10 of its values: min and max are then
// the range of the values themselves (both > 0), and a value outside [min, max] is drawn at the edge.

const PAD = { left: 46, right: 10, top: 8, bottom: 34 };  // CSS pixels around the plotting area

// A log or linear axis: value → pixel, and tick values with their labels.
function axis({ min, max, log = false }, from, to) {
  const f = log ? Math.log10 : (v) => v;
  const lo = f(min), hi = f(max), span = hi - lo || 1;
  const at = (v) => {
    const u = (f(Math.min(Math.max(v, min), max)) - lo) / span;
    return from + u * (to - from);
  };
  return { at, ticks: log ? logTicks(lo, hi) : linearTicks(min, max) };
}

function linearTicks(min, max) {
  const raw = (max - min) / 4, power = 10 ** Math.floor(Math.log10(raw || 1));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const ticks = [];
  for (let v = Math.ceil(min / step) * step; v <= max + 1e-9 * step; v += step) ticks.push({ v, text: format(v) });
  return ticks;
}

function logTicks(lo, hi) {
  const ticks = [];
  if (hi - lo < 2) {  // less than two decades: 1, 2 and 5 times each power of ten
    for (let p = Math.floor(lo); p <= Math.ceil(hi); p++) {
      for (const m of [1, 2, 5]) {
        const v = m * 10 ** p, e = Math.log10(v);
        if (e >= lo && e <= hi) ticks.push({ v, text: format(v) });
      }
    }
    return ticks;
  }
  const every = Math.max(1, Math.ceil((hi - lo) / 5));  // at most about 6 labelled powers of ten
  for (let p = Math.ceil(lo); p <= Math.floor(hi); p++) {
    if (p % every === 0) ticks.push({ v: 10 ** p, text: p === 0 ? "1" : `1e${p}`.replace("-", "−") });
  }
  return ticks;
}

// 12000 → "12k", 0.25 → "0.25", 1e-5 → "1e-5".
export function format(v) {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  if (a >= 0.01) return String(+v.toFixed(2));
  return v.toExponential(0).replace("e-", "e−").replace("e+", "e");
}

// Fit the canvas to its box at the screen's density; returns its size in CSS pixels.
function fit(canvas) {
  const ratio = window.devicePixelRatio || 1, width = canvas.clientWidth, height = canvas.clientHeight;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const g = canvas.getContext("2d");
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { g, width, height };
}

export function drawPlot(canvas, { x, y, series = [], lines = [], bands = [] }) {
  const { g, width, height } = fit(canvas);
  const style = getComputedStyle(canvas), ink = style.color;
  const left = PAD.left, right = width - PAD.right, top = PAD.top, bottom = height - PAD.bottom;
  const X = axis(x, left, right), Y = axis(y, bottom, top);
  g.clearRect(0, 0, width, height);
  g.font = `11px ${style.fontFamily}`;
  g.lineJoin = "round";

  // shaded bands, then grid lines with their tick labels, then the axes
  for (const band of bands) {
    g.fillStyle = ink;
    g.globalAlpha = 0.1;
    const a = X.at(band.from), b = X.at(band.to);
    g.fillRect(Math.min(a, b), top, Math.max(Math.abs(b - a), 2), bottom - top);
    g.globalAlpha = 1;  // labels in the text colour, at full strength: they pass contrast like the page's text
    g.textAlign = "center";
    g.fillText(band.label, (a + b) / 2, top + 10);
  }
  g.globalAlpha = 1;
  g.strokeStyle = ink;
  g.fillStyle = ink;
  g.lineWidth = 1;
  g.setLineDash([]);
  for (const t of Y.ticks) {
    const py = Math.round(Y.at(t.v)) + 0.5;
    g.globalAlpha = 0.15;
    g.beginPath(); g.moveTo(left, py); g.lineTo(right, py); g.stroke();
    g.globalAlpha = 1;
    g.textAlign = "right";
    g.fillText(t.text, left - 4, py + 4);
  }
  g.textAlign = "center";
  for (const t of X.ticks) g.fillText(t.text, X.at(t.v), bottom + 13);
  g.beginPath(); g.moveTo(left, top); g.lineTo(left, bottom); g.lineTo(right, bottom); g.stroke();
  g.fillText(x.label, (left + right) / 2, height - 4);
  g.save();
  g.translate(11, (top + bottom) / 2);
  g.rotate(-Math.PI / 2);
  g.fillText(y.label, 0, 0);
  g.restore();

  // references, then the data
  for (const line of lines) {
    const py = Y.at(line.y);
    g.strokeStyle = line.colour;
    g.setLineDash(line.dash || []);
    g.beginPath(); g.moveTo(left, py); g.lineTo(right, py); g.stroke();
    g.fillStyle = ink;  // the line keeps its colour; its label is text
    g.textAlign = "right";
    g.fillText(line.label, right - 2, py - 3);
  }
  for (const s of series) {
    if (!s.points.length) continue;
    g.strokeStyle = g.fillStyle = s.colour;
    g.lineWidth = s.width || 2;
    g.setLineDash(s.dash || []);
    g.beginPath();
    s.points.forEach(([vx, vy], k) => (k ? g.lineTo(X.at(vx), Y.at(vy)) : g.moveTo(X.at(vx), Y.at(vy))));
    g.stroke();
    const [vx, vy] = s.points[s.points.length - 1];  // a dot on the newest point
    g.beginPath(); g.arc(X.at(vx), Y.at(vy), 2.5, 0, 2 * Math.PI); g.fill();
  }
  g.setLineDash([]);
}
