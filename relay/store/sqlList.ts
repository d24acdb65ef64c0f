/**
 * An SQL list literal, `('a','b')`, of fixed words from our own vocabulary (order states), so queries say
 * the same final states as the code instead of a hand copy. Never for user input: it does not escape.
 * @example `state IN ${sqlList(FINAL_ORDER_STATES)}`
 */
export function sqlList(words: readonly string[]): string {
  for (const w of words) if (!/^[a-z_]+$/.test(w)) throw new Error(`sqlList takes plain words, got "${w}"`);
  return `(${words.map((w) => `'${w}'`).join(",")})`;
}
