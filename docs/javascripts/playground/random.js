// random.js — the playground's seeded random numbers: the same seed gives the same run in every
// browser, so a reader and a teacher see the same curves.
//
// mulberry32 (Tommy Ettinger's 32-bit generator, public domain): a 32-bit state advanced by a
// constant and mixed into each output. Several independent streams come from one seed (the
// training batches, the held-out set, each model's initial weights): the pair (seed, stream) is
// hashed into the starting state, so nearby seeds and streams do not give overlapping sequences.
//
// Usage:  const rng = makeRng(seed, STREAM.batches);  rng.uniform();  rng.int(4);  rng.normal();

// The streams of one seed, one per use.
export const STREAM = Object.freeze({ batches: 1, heldOut: 2, weights: 3 });

// MurmurHash3's finaliser: a bijection of 32-bit integers that spreads every input bit.
function mix32(x) {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

export function makeRng(seed, stream = 0) {
  let state = mix32(mix32(seed >>> 0) ^ Math.imul(stream + 1, 0x9e3779b9));
  let spare = null; // the second value of the last Box–Muller pair

  // Uniform on [0, 1), in steps of 2^-32.
  function uniform() {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  }

  return {
    uniform,
    // Uniform on [lo, hi).
    between: (lo, hi) => lo + (hi - lo) * uniform(),
    // An integer in {0, …, n − 1}.
    int: (n) => Math.floor(uniform() * n),
    // Standard normal, by the Box–Muller transform (two values per pair of uniforms).
    normal() {
      if (spare !== null) { const z = spare; spare = null; return z; }
      const r = Math.sqrt(-2 * Math.log(1 - uniform())), angle = 2 * Math.PI * uniform();
      spare = r * Math.sin(angle);
      return r * Math.cos(angle);
    },
  };
}
