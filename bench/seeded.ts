/**
 * A deterministic pseudo-random generator shared by the benchmarks and the tests, so
 * every run sees the same data and a failure can be replayed from its seed.
 */
/** mulberry32: a uniform float in [0, 1) per call. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
