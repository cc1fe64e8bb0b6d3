"""The playground's engine in headless Chromium: how fast it trains on this machine.

``docs/javascripts/`` is served on 127.0.0.1 and opened in Debian's Chromium through Playwright (the
browser the tests use; nothing is downloaded). Two measurements:

* **updates per second** of each cell alone at the demo's size (T, H, E, batch), ``trainer.js`` called
  in the page's thread: ``rounds`` rounds of ``n`` updates after ``n`` to warm up; the best round is
  reported (the machine may be shared: the slowest rounds measure the other jobs) with all of them;
* **the demo as the page runs it**, at each candidate length: ``worker.js`` driven as the page drives
  it (reset, start) with the page's seed, until every model reaches the bar or the worker stops at
  ``maxUpdates``: the updates after which each model first reached it (None: never), and the report
  in which the first model (the chrono LSTM) did — its updates, the worker's seconds spent in
  updates, the wall-clock seconds since "start" (which also count the reports: a held-out
  evaluation and a probe batch per model every ``reportEvery`` updates) and each model's
  ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖ on the probe batch (how much of the gradient reaches the first step).

A JavaScript number is one core's work: a worker is one thread.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

from lstm_book.matmul import cpu_model
from lstm_book.book.pipeline.interface import UserError

JAVASCRIPTS = Path(__file__).resolve().parents[4] / "docs" / "javascripts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
TIMED = {"rnn": "torch", "lstm": "chrono", "gru": "torch"}  # each cell, timed alone (its forget init does not matter)

# trainer.js in the page's thread: {cell: [updates per second of each round]}.
SPEED_JS = """
async ({ task, config, cells, n, rounds }) => {
  const { createTrainer } = await import("./trainer.js");
  const out = {};
  for (const [cell, forget] of cells) {
    const trainer = createTrainer(task, { ...config, models: [{ cell, forget }] });
    for (let k = 0; k < n; k++) trainer.update();
    out[cell] = [];
    for (let r = 0; r < rounds; r++) {
      const before = trainer.seconds;
      for (let k = 0; k < n; k++) trainer.update();
      out[cell].push(n / (trainer.seconds - before));
    }
  }
  return out;
}
"""

# worker.js as the page drives it (reset, start), until every model reaches `solved` or the worker stops at
# config.maxUpdates: when each model first reached it, and the report in which model 0 did.
DEMO_JS = """
({ task, config, solved }) => new Promise((resolve, reject) => {
  const worker = new Worker("./worker.js", { type: "module" });
  const reached = config.models.map(() => null);
  let started = null, first = null;
  worker.onerror = (e) => { worker.terminate(); reject(new Error(e.message)); };
  worker.onmessage = ({ data }) => {
    if (data.type === "error") { worker.terminate(); reject(new Error(data.message)); return; }
    const wall = (performance.now() - started) / 1000;
    if (started === null) { started = performance.now(); worker.postMessage({ type: "start" }); return; }
    data.models.forEach((m, k) => { if (reached[k] === null && m.accuracy >= solved) reached[k] = data.updates; });
    if (first === null && reached[0] !== null) {
      first = { updates: data.updates, worker_seconds: data.seconds, wall_seconds: wall,
                accuracy: data.models.map((m) => m.accuracy),
                decay: data.models.map((m) => m.gradH[0] / m.gradH[m.gradH.length - 1]) };
    }
    if (data.running && reached.includes(null)) return;
    worker.terminate();
    resolve({ reached, first, updates: data.updates, wall_seconds: wall, accuracy: data.models.map((m) => m.accuracy) });
  };
  worker.postMessage({ type: "reset", task, config });
})
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


def chromium() -> str:
    """The system Chromium (Debian's ``chromium``), or a one-sentence error."""
    for candidate in (shutil.which("chromium"), "/usr/bin/chromium", shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    raise UserError("playground: the speed measurement needs Chromium; run `bash scripts/install_chromium.sh`")


def measure(task: dict, configs: dict[int, dict], demo_T: int, n: int, solved: float, rounds: int = 5) -> dict:
    """Updates per second of each cell at the demo's size (``configs[demo_T]``), and the demo run in the
    page's worker at each length of ``configs`` (T → trainer.js config), in headless Chromium."""
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_Quiet, directory=str(JAVASCRIPTS))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    load_before = os.getloadavg()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
            page = browser.new_page()
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/playground/")
            speed = page.evaluate(SPEED_JS, {"task": task, "config": configs[demo_T], "cells": list(TIMED.items()),
                                             "n": n, "rounds": rounds})
            demos = {str(T): page.evaluate(DEMO_JS, {"task": task, "config": config, "solved": solved})
                     for T, config in configs.items()}
            version = browser.version
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    if errors:
        raise RuntimeError(f"playground: JavaScript errors while measuring: {errors}")
    return {"chromium": version, "cpu": cpu_model(), "cpu_count": os.cpu_count(),
            "load_average": {"before": round(load_before[0], 2), "after": round(os.getloadavg()[0], 2)},  # 1 minute
            "updates_per_second": {cell: [round(r, 1) for r in rates] for cell, rates in speed.items()},
            "rounds": rounds, "updates_per_round": n, "demo": demos}
