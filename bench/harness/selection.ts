/**
 * `npm run bench -- --only NAME[,NAME...]`: run just the named measures (names as in the JSON),
 * for a figure that does not need the whole bench. Without --only, everything runs.
 */
export type Selection = { all: true } | { all: false; names: Set<string> } | { error: string };

export function parseSelection(args: string[], selectable: readonly string[]): Selection {
  const at = args.findIndex((a) => a === '--only' || a.startsWith('--only='));
  if (at < 0) return { all: true };
  const arg = args[at] as string;
  const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[at + 1];
  const names = (value ?? '').split(',').map((n) => n.trim()).filter(Boolean);
  const unknown = names.filter((n) => !selectable.includes(n));
  if (names.length === 0 || unknown.length > 0) {
    return { error: `--only ${value ?? ''}: expected one or more of ${selectable.join(', ')} (comma-separated)${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}` };
  }
  return { all: false, names: new Set(names) };
}
