/**
 * A list of ids for a timeline line a person reads: all of them when few, the first few and a
 * count when a rollout touches thousands ("acme, globex, initech and 2,497 more").
 */
export function nameList(ids: readonly string[], shown = 5): string {
  if (ids.length <= shown) return ids.join(', ');
  return `${ids.slice(0, shown).join(', ')} and ${(ids.length - shown).toLocaleString('en-US')} more`;
}
