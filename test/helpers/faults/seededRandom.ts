/**
 * The fault campaign's randomness, from one seed so a failing run can be replayed: the same seed
 * draws the same gaps between kills and the same choices of worker. (What the workers and Temporal
 * are doing at each moment still depends on the machine; the seed fixes the faults, not the world.)
 */

/** RAMPART_FAULT_SEED when set (a whole number), else a fresh 32-bit seed. */
export function campaignSeed(env: NodeJS.ProcessEnv = process.env): number {
  const given = env.RAMPART_FAULT_SEED;
  if (given !== undefined && given !== '') {
    const seed = Number(given);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error(`RAMPART_FAULT_SEED must be a whole number from 0 to ${0xffffffff}, got "${given}"`);
    return seed;
  }
  return Math.floor(Math.random() * 0x100000000);
}

/** mulberry32: small, fast, and good enough to spread kills; returns numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x100000000;
  };
}
