import type { Command } from 'commander';
import { z } from 'zod';
import { versionSchema } from '../../domain/release';
import { buildArtifact, parseFaultFlag } from '../../local/fleet/artifactBuild';
import { UserError } from '../exitCodes';
import { prepareOutputFolder } from '../outputFolder';
import { parseFlags } from '../parseFlags';

const buildFlags = z.strictObject({
  version: versionSchema,
  out: z.string().min(1),
  notes: z.string().optional(),
  fault: z.string().optional(),
  json: z.boolean().optional(),
});

async function build(raw: unknown): Promise<void> {
  const flags = parseFlags(buildFlags, raw);
  const fault = flags.fault === undefined ? undefined : parseFaultFlag(flags.fault);
  if (fault && !fault.ok) throw new UserError(fault.error);
  const problem = await prepareOutputFolder(flags.out);
  if (problem) throw new UserError(`--out: ${problem}`);
  const artifact = await buildArtifact({
    version: flags.version,
    outDir: flags.out,
    ...(flags.notes ? { notes: flags.notes } : {}),
    ...(fault?.ok ? { fault: fault.fault } : {}),
  }).catch((err: NodeJS.ErrnoException) => {
    // What the check above cannot foresee (a read-only mount, a folder where the artifact goes).
    if (typeof err.code === 'string' && /^E[A-Z]+$/.test(err.code)) throw new UserError(`--out: cannot write the artifact into ${flags.out} (${err.code})`);
    throw err;
  });
  if (flags.json) console.log(JSON.stringify(artifact));
  else console.log(`built ${artifact.path}\nsha256 ${artifact.sha256} (also in ${artifact.path}.sha256)`);
}

export function registerArtifactCommands(program: Command): void {
  program
    .command('artifact')
    .description('build release artifacts')
    .command('build')
    .description('write app-<version>.tar.gz and its .sha256; --fault builds a version that misbehaves once running')
    .requiredOption('--version <version>', 'release version')
    .requiredOption('--out <dir>', 'output folder')
    .option('--notes <text>', 'release notes')
    .option('--fault <fault>', 'error-rate=0.3 | latency=800ms | crash, comma-joined; feature=<name> makes error-rate/latency apply only while that feature is on')
    .option('--json', 'print JSON')
    .action(build);
}
