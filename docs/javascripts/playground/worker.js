// worker.js — the playground's training loop in a Web Worker, so the page never waits for it.
// A module worker, started by the page with
//   new Worker(new URL("playground/worker.js", base), { type: "module" })
// It knows no page: everything arrives in messages, everything leaves in messages.
//
// Messages in (worker.postMessage):
//   {type: "reset", task, config}  new models and data (task: the task's JSON, task.js;
//                                  config: trainer.js's fields, any left out take DEFAULTS); reports once
//   {type: "start"}                train until "pause" or config.maxUpdates, reporting every
//                                  config.reportEvery updates
//   {type: "pause"}                stop after the current group of updates
//   {type: "step", updates}        train `updates` (default 1) updates, then report
// Messages out:
//   {type: "stats", running, updates, seconds, models}  models: trainer.js's stats(), one per model;
//                                  seconds: time spent in updates so far (not in reports)
//   {type: "error", message}       a message the worker could not carry out

import { createTrainer } from "./trainer.js";

let trainer = null, running = false, timer = null;  // timer: the next group of updates, if one is due

function report() {
  self.postMessage({ type: "stats", running, updates: trainer.updates, seconds: trainer.seconds, models: trainer.stats() });
}

function train(n) {
  for (let k = 0; k < n && trainer.updates < trainer.config.maxUpdates; k++) trainer.update();
}

// One group of updates, one report, then back to the message queue (where a "pause" may wait).
function run() {
  timer = null;
  train(trainer.config.reportEvery);
  if (trainer.updates >= trainer.config.maxUpdates) running = false;
  report();
  if (running) timer = setTimeout(run, 0);
}

function pause() {
  running = false;
  clearTimeout(timer);
  timer = null;
}

const handlers = {
  reset({ task, config }) { pause(); trainer = null; trainer = createTrainer(task, config); report(); },
  start() { running = true; if (timer === null) timer = setTimeout(run, 0); },
  pause,
  step({ updates = 1 }) { pause(); train(updates); report(); },
};

self.onmessage = ({ data }) => {
  try {
    const handler = handlers[data.type];
    if (!handler) throw new Error(`unknown message type ${data.type}`);
    if (!trainer && data.type !== "reset") throw new Error(`"${data.type}" before the first "reset"`);
    handler(data);
  } catch (error) {
    pause();
    self.postMessage({ type: "error", message: String(error && error.message || error) });
  }
};
