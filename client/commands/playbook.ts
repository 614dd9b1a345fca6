import type { Command } from 'commander';
import { playbookSchema } from '../../domain/playbook';
import { formatDuration } from '../../domain/duration';
import { loadDocument } from '../loadDocument';
import { reviewSchemaAsOf } from '../../domain/review';
import { warnAboutReview } from '../reviewWarning';

async function validatePlaybook(file: string, opts: { json?: boolean }): Promise<void> {
  const now = new Date();
  const { value } = await loadDocument(file, reviewSchemaAsOf(playbookSchema, now));
  const review = warnAboutReview(file, value, now);
  if (opts.json) {
    console.log(JSON.stringify({ file, valid: true, playbook: value, review }));
    return;
  }
  const { dogfood, canary, waves } = value.phases;
  const steps = [
    ...(dogfood ? [`dogfood (soak ${formatDuration(dogfood.soakTime)})`] : []),
    ...(canary ? [`canary (bake ${formatDuration(canary.bakeTime)})`] : []),
    ...waves.map((w, i) => `wave-${i + 1} (bake ${formatDuration(w.bakeTime)})`),
  ];
  console.log(`${file}: valid ${value.method} playbook "${value.name}": ${steps.join(' -> ')}`);
}

export function registerPlaybookCommands(program: Command): void {
  const playbook = program.command('playbook').description('work with playbooks');
  playbook
    .command('validate <file>')
    .description('check a playbook; prints every error with its line, path and rule (exit 2)')
    .option('--json', 'print JSON')
    .action(validatePlaybook);
}
