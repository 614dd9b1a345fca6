/** `items` in consecutive batches of at most `size`, in order. */
export function inBatches<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
}

/**
 * Each distinct value once (equal as JSON), and for every value its index among them: how a batch
 * answer says the same slot or outcome for hundreds of customers without repeating it.
 */
export function distinctIndexed<T>(values: readonly T[]): { distinct: T[]; of: number[] } {
  const distinct: T[] = [];
  const index = new Map<string, number>();
  const of = values.map((v) => {
    const key = JSON.stringify(v);
    if (!index.has(key)) index.set(key, distinct.push(v) - 1);
    return index.get(key)!;
  });
  return { distinct, of };
}
