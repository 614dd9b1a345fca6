/**
 * The order of release versions ("1.10.0" after "1.9.2"): dot-separated parts compared as numbers
 * when both are numbers, else as text; a pre-release ("1.2.0-rc1") comes before its release
 * ("1.2.0"); build metadata after "+" is ignored, as in semver.
 */
export function compareVersions(a: string, b: string): number {
  const [coreA = '', preA] = splitVersion(a);
  const [coreB = '', preB] = splitVersion(b);
  const byCore = compareParts(coreA.split('.'), coreB.split('.'));
  if (byCore !== 0) return byCore;
  if (preA === undefined || preB === undefined) return preA === preB ? 0 : preA === undefined ? 1 : -1;
  return compareParts(preA.split('.'), preB.split('.'));
}

function splitVersion(version: string): [string, string | undefined] {
  const noBuild = version.split('+')[0] ?? '';
  const dash = noBuild.indexOf('-');
  return dash < 0 ? [noBuild, undefined] : [noBuild.slice(0, dash), noBuild.slice(dash + 1)];
}

function compareParts(a: string[], b: string[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x) ? Number(x) : undefined;
    const ny = /^\d+$/.test(y) ? Number(y) : undefined;
    if (nx !== undefined && ny !== undefined) {
      if (nx !== ny) return nx < ny ? -1 : 1;
    } else if (x !== y) {
      // A number sorts before a word, as in semver's pre-release rules.
      if (nx !== undefined) return -1;
      if (ny !== undefined) return 1;
      return x < y ? -1 : 1;
    }
  }
  return 0;
}
