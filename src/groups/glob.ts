/**
 * Glob matching for listGroups: `*` any run of characters, `?` one, anchored at both ends.
 * Globs used to become RegExps, which backtrack: `*a*a*a*a*b` took seconds against one 128-character
 * name, and each further `*a` multiplied that. Here the glob's NFA is simulated bit-parallel, so a
 * match takes O(name length × ⌈(tokens + 1) / 32⌉) word operations and never backtracks.
 */

/** Masks have a row per ASCII code, read without a lookup table, and one for any other code. */
const OTHER = 128;
const ROWS = OTHER + 1;

/** Compiles `pattern` (a validated glob) into a predicate over names. */
export function compileGlob(pattern: string): (name: string) => boolean {
  const glob = pattern.replace(/\*+/g, "*");
  // A literal with at most a `*` on either side needs no automaton.
  const simple = /^(\*?)([^*?]*)(\*?)$/.exec(glob);
  if (simple !== null) {
    const [, lead, literal = "", trail] = simple;
    if (lead && trail) return (name) => name.includes(literal);
    if (lead) return (name) => name.endsWith(literal);
    if (trail) return (name) => name.startsWith(literal);
    return (name) => name === literal;
  }
  return compileAutomaton(glob);
}

/**
 * State i means "the first i tokens (non-`*` characters) matched". A token moves state i to
 * i + 1 on the characters it accepts; a `*` before token i is a self-loop on state i.
 * Bit i + 1 of a character's mask says token i accepts it, so one step of every state is
 * `next = ((state << 1) & mask[c]) | (state & loops)`.
 */
function compileAutomaton(glob: string): (name: string) => boolean {
  const tokens = glob.length - (glob.match(/\*/g)?.length ?? 0);
  const words = (tokens >>> 5) + 1; // bits 0..tokens
  const masks = new Uint32Array(ROWS * words);
  const loops = new Uint32Array(words);
  let t = 0;
  for (const c of glob) {
    if (c === "*") {
      loops[t >>> 5]! |= 1 << (t & 31);
      continue;
    }
    const bit = t + 1;
    const code = c.charCodeAt(0);
    for (let row = 0; row < ROWS; row++) {
      if (c === "?" || row === code) masks[row * words + (bit >>> 5)]! |= 1 << (bit & 31);
    }
    t++;
  }
  const acceptWord = tokens >>> 5;
  const acceptBit = 1 << (tokens & 31);
  if (words === 1) return matchOneWord(masks, loops[0]!, acceptBit, tokens);
  const state = new Uint32Array(words); // reused: matching is synchronous
  return (name) => {
    if (name.length < tokens) return false;
    state.fill(0);
    state[0] = 1;
    for (let i = 0; i < name.length; i++) {
      const base = rowOf(name.charCodeAt(i)) * words;
      let carry = 0;
      let alive = 0;
      for (let w = 0; w < words; w++) {
        const s = state[w]!;
        alive |= state[w] = (((s << 1) | carry) & masks[base + w]!) | (s & loops[w]!);
        carry = s >>> 31;
      }
      if (alive === 0) return false;
    }
    return (state[acceptWord]! & acceptBit) !== 0;
  };
}

// Up to 31 tokens (nearly every real pattern) the state is one number.
function matchOneWord(
  masks: Uint32Array,
  loops: number,
  acceptBit: number,
  tokens: number,
): (name: string) => boolean {
  return (name) => {
    if (name.length < tokens) return false;
    let state = 1;
    for (let i = 0; i < name.length && state !== 0; i++) {
      state = ((state << 1) & masks[rowOf(name.charCodeAt(i))]!) | (state & loops);
    }
    return (state & acceptBit) !== 0;
  };
}

function rowOf(code: number): number {
  return Math.min(code, OTHER);
}
