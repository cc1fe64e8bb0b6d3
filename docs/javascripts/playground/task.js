// task.js — the temporal-order problem (Hochreiter & Schmidhuber 1997, experiment 6a) in the page,
// the twin of lstm_book.tasks.temporal_order, drawn from the playground's seeded generator.
//
// The constants are not typed here: they come from a JSON object written from lstm_book/tasks.py
// (docs/figures/playground/task.json), with these fields:
//
//   symbols      ["a", "b", "c", "d", "X", "Y", "B", "E"]  TEMPORAL_ORDER_SYMBOLS; token id = index
//   distractors  [0, 1, 2, 3]        DISTRACTORS: the noise symbols, everywhere not marked
//   X, Y         4, 5                the informative symbols; X counts as 0 and Y as 1 in the label
//   BEGIN, END   6, 7                the symbols at position 0 and at position T − 1
//   windows      [[0.1, 0.2], …]     WINDOWS_6A: where each informative symbol may sit, as
//                                    fractions (lo, hi) of the sequence length T
//   classes      ["XX", "XY", …]     temporal_order_class_names(): the class names in label order
//   chance       0.25                TEMPORAL_ORDER_CHANCE: the accuracy of a guess
//
// One sequence of length T (the recipe of lstm_book.tasks.temporal_order):
//   1. every position holds a random distractor;
//   2. position 0 is BEGIN and position T − 1 is END;
//   3. informative symbol k, X or Y with probability 1/2, sits at a uniformly random position of its
//      window [floor(lo·T), floor(hi·T)] (temporal_order_windows: [10, 20] and [50, 60] at T = 100);
//   4. the label reads the X/Y sequence as a binary number, X = 0, Y = 1, first symbol most
//      significant (XX = 0, XY = 1, YX = 2, YY = 3).
//
// Usage:  const task = loadTask(json);  const batch = makeBatch(task, T, n);  fillBatch(task, batch, rng);
//   batch.tokens: Int32Array(n·T), sequence b at [b·T, (b + 1)·T);  batch.labels: Int32Array(n);
//   batch.positions: Int32Array(n·K), the informative positions of sequence b at [b·K, (b + 1)·K).

// The JSON object, checked, with its symbols as token ids.
export function loadTask(json) {
  const { symbols, distractors, X, Y, BEGIN, END, windows, classes, chance } = json;
  const ids = [...distractors, X, Y, BEGIN, END];
  if (!ids.every((id) => Number.isInteger(id) && id >= 0 && id < symbols.length) || new Set(ids).size !== ids.length) {
    throw new Error("task: distractors, X, Y, BEGIN and END must be distinct token ids of the vocabulary");
  }
  if (classes.length !== 2 ** windows.length) {
    throw new Error(`task: ${windows.length} informative symbols give ${2 ** windows.length} classes, not ${classes.length}`);
  }
  return { symbols, distractors, X, Y, BEGIN, END, windows, classes, chance,
           V: symbols.length, K: windows.length, numClasses: classes.length };
}

// The inclusive window [lo, hi] of each informative symbol at length T, as
// lstm_book.tasks.temporal_order_windows computes it: int(fraction · T + 1e-9).
export function windowsAt(task, T) {
  const w = task.windows.map(([lo, hi]) => [Math.floor(lo * T + 1e-9), Math.floor(hi * T + 1e-9)]);
  w.forEach(([lo, hi], k) => {
    const previousEnd = k > 0 ? w[k - 1][1] : 0;
    if (!(lo > previousEnd && lo <= hi && hi < T - 1)) throw new Error(`task: T = ${T} is too short for the windows`);
  });
  return w;
}

export function makeBatch(task, T, n) {
  return { T, n, tokens: new Int32Array(n * T), labels: new Int32Array(n), positions: new Int32Array(n * task.K) };
}

// Fill batch with n fresh sequences drawn from rng (random.js).
export function fillBatch(task, batch, rng) {
  const { T, n, tokens, labels, positions } = batch, K = task.K, windows = windowsAt(task, T);
  const D = task.distractors;
  for (let b = 0; b < n; b++) {
    const row = b * T;
    for (let t = 0; t < T; t++) tokens[row + t] = D[rng.int(D.length)];  // 1. distractors everywhere
    tokens[row] = task.BEGIN;                                              // 2. begin and end
    tokens[row + T - 1] = task.END;
    let label = 0;
    for (let k = 0; k < K; k++) {                                         // 3. the informative symbols
      const [lo, hi] = windows[k];
      const p = lo + rng.int(hi - lo + 1), value = rng.int(2);             // value 0 = X, 1 = Y
      tokens[row + p] = value === 0 ? task.X : task.Y;
      positions[b * K + k] = p;
      label = 2 * label + value;                                           // 4. first symbol most significant
    }
    labels[b] = label;
  }
  return batch;
}

// Sequence b as its symbols, e.g. "BacdXab…YdcE" (lstm_book.tasks.decode_temporal_order).
export function decode(task, batch, b) {
  let s = "";
  for (let t = 0; t < batch.T; t++) s += task.symbols[batch.tokens[b * batch.T + t]];
  return s;
}
