/** The activity of the bare baseline: it does nothing, like the noop adapter's install. */
export async function noopActivity(index: number): Promise<number> {
  return index;
}
