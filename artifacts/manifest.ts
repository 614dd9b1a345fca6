/** The release archive format, known to both sides: the CLI reads the manifest before a start, the verify activity again on the worker. */
import * as tar from 'tar';
import { describeErrors, parseInput } from '../domain/issues';
import { manifestSchema, type Manifest } from '../domain/release';

/** Reads and validates release.json from an artifact archive without unpacking the rest. */
export async function readArtifactManifest(path: string): Promise<{ ok: true; value: Manifest } | { ok: false; error: string }> {
  let text: string | undefined;
  try {
    await tar.t({
      file: path,
      filter: (entry) => entry.replace(/^\.\//, '') === 'release.json',
      onReadEntry: (entry) => {
        const chunks: Buffer[] = [];
        entry.on('data', (c: Buffer) => chunks.push(c));
        entry.on('end', () => (text = Buffer.concat(chunks).toString('utf8')));
      },
    });
  } catch (err) {
    return { ok: false, error: `${path} is not a readable gzip tar archive (${(err as Error).message})` };
  }
  if (text === undefined) return { ok: false, error: `${path} has no release.json manifest` };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: `${path}: release.json is not valid JSON` };
  }
  const manifest = parseInput(manifestSchema, json);
  return manifest.ok ? manifest : { ok: false, error: `${path}: release.json: ${describeErrors(manifest.errors)}` };
}
