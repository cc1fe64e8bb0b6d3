// trainer.js — up to three models trained side by side on the same stream of temporal-order
// sequences, and what the playground shows about each. worker.js runs it off the page's thread; a
// test or the console can run it directly.
//
// config (every field optional, DEFAULTS below):
//   T            sequence length                hidden, embed   H and E of every model
//   lr, batch    Adam's learning rate, sequences per update       clip   global gradient norm (null: none)
//   seed         one seed for everything: the training stream, the held-out set and the initial
//                weights (every model starts from the same draws, so two LSTMs differ only in the
//                forget gate's initialisation)
//   models       [{cell: "rnn" | "lstm" | "gru", forget: "torch" | "chrono" | a number (LSTM only)}]
//   heldOut      sequences in the fixed held-out set (accuracy and loss)
//   probe        how many of them (the first) make the probe batch (gradients and gates)
//   reportEvery  updates between two reports (worker.js)       maxUpdates  where worker.js stops
//
// One update: one fresh batch, then for every model forward, backward, clip, one Adam step.
// stats() → per model {cell, forget, updates, sequences, accuracy, loss, gradH, gradC, keepGate, keepAt}:
//   accuracy, loss  on the held-out set
//   gradH[t − 1]    ‖∂L/∂h_t‖ at step t = 1 … T (Frobenius norm over the probe batch, L its mean loss)
//   gradC[t − 1]    ‖∂L/∂c_t‖ (LSTM; null otherwise)
//   keepGate        "f" (LSTM), "z" (GRU) or null: the gate that keeps the old state
//   keepAt[k]       its mean over the probe batch and units at the step that reads informative symbol k

import { backward, createModel, evaluate, forward, PARAM_NAMES, slice } from "./classifier.js";
import { initialise } from "./init.js";
import { clipGradNorm, createAdam } from "./optim.js";
import { makeRng, STREAM } from "./random.js";
import { fillBatch, loadTask, makeBatch } from "./task.js";

export const DEFAULTS = Object.freeze({
  T: 50, hidden: 16, embed: 16, lr: 1e-2, batch: 32, clip: 1, seed: 0,
  models: [{ cell: "lstm", forget: "chrono" }, { cell: "lstm", forget: 1 }, { cell: "rnn" }],
  heldOut: 256, probe: 32, reportEvery: 10, maxUpdates: 3000,
});

// taskJson: the task's constants (task.js documents the fields).
export function createTrainer(taskJson, options = {}) {
  const config = { ...DEFAULTS, ...options };
  const task = loadTask(taskJson), { T, batch: B, seed } = config;
  const stream = makeRng(seed, STREAM.batches);
  const batch = makeBatch(task, T, B);
  const heldOut = fillBatch(task, makeBatch(task, T, config.heldOut), makeRng(seed, STREAM.heldOut));
  const probe = slice(heldOut, 0, Math.min(config.probe, config.heldOut));
  const runs = config.models.map(({ cell, forget = "torch" }) => {
    const model = createModel({ cell, V: task.V, E: config.embed, H: config.hidden, K: task.numClasses });
    initialise(model, makeRng(seed, STREAM.weights), forget, T);
    const params = PARAM_NAMES.map((name) => model.params[name]), grads = PARAM_NAMES.map((name) => model.grads[name]);
    return { cell, forget, model, grads, adam: createAdam(params, { lr: config.lr }) };
  });
  let updates = 0, seconds = 0;

  function update() {
    const start = performance.now();
    fillBatch(task, batch, stream);
    for (const run of runs) {
      forward(run.model, batch);
      backward(run.model);
      clipGradNorm(run.grads, config.clip);
      run.adam.step(run.grads);
    }
    updates += 1;
    seconds += (performance.now() - start) / 1000;
  }

  function stats() {
    return runs.map(({ cell, forget, model }) => {
      const { loss, correct } = evaluate(model, heldOut, B);
      forward(model, probe);
      backward(model);
      const ws = model.ws, keep = model.cell.keepGate;
      return { cell, forget, updates, sequences: updates * B, accuracy: correct / heldOut.n, loss,
               gradH: stepNorms(ws.dh, ws), gradC: ws.dc ? stepNorms(ws.dc, ws) : null,
               keepGate: keep && keep.name, keepAt: keep && keepAt(ws, keep.block, probe) };
    });
  }

  return { config, task, update, stats, get updates() { return updates; }, get seconds() { return seconds; } };
}

// ‖block t‖ for t = 1 … T of a per-step array of the workspace.
function stepNorms(values, { T, B, H }) {
  const norms = new Float64Array(T);
  for (let t = 1; t <= T; t++) {
    let s = 0;
    for (let k = t * B * H; k < (t + 1) * B * H; k++) s += values[k] * values[k];
    norms[t - 1] = Math.sqrt(s);
  }
  return norms;
}

// Mean of gate block `block` over sequences and units, at the step reading each informative symbol
// (the symbol at position p is x_t with t = p + 1).
function keepAt({ B, H, G, act }, block, probe) {
  const K = probe.positions.length / probe.n;
  return Array.from({ length: K }, (_, k) => {
    let s = 0;
    for (let b = 0; b < B; b++) {
      const a = ((probe.positions[b * K + k] + 1) * B + b) * G + block * H;
      for (let j = 0; j < H; j++) s += act[a + j];
    }
    return s / (B * H);
  });
}
