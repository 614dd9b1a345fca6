/**
 * The files a rollout is started with (playbook, fleet, customers, the escalation policy), loaded
 * and checked once for both front ends that start rollouts: `rollout start`, and `schedule apply`,
 * which snapshots them into its train's schedule so that every run ships what was applied.
 */
import { dirname, resolve } from 'node:path';
import { artifactStoreFolders, ARTIFACT_STORE_ENV, checkInStore } from '../artifacts/store';
import { fleetSchema, type Fleet } from '../domain/fleet';
import { escalationPoliciesSchema, type EscalationPolicies } from '../domain/incident';
import { reviewSchemaAsOf } from '../domain/review';
import { playbookSchema, type Playbook } from '../domain/playbook';
import { planSteps, type PlannedStep } from '../domain/planSteps';
import { MAX_ROLLOUT_INPUT_BYTES } from '../domain/rolloutInput';
import { UserError } from './exitCodes';
import { checkInputSize } from './inputSize';
import { loadCustomersForFleet, type CustomersForInput } from './loadCustomers';
import { loadDocument } from './loadDocument';

export interface RolloutDocuments {
  playbook: { raw: unknown; value: Playbook };
  fleet: { raw: unknown; value: Fleet };
  steps: PlannedStep[];
  customers: CustomersForInput | undefined;
  /** The escalation policy as written: who a breaker trip pages. */
  escalation: unknown;
  /** Its file and parsed value, for the review gate (reviewGate.ts). */
  escalationPolicy: { file: string; value: EscalationPolicies } | undefined;
}

/** When this environment names the artifact store (RAMPART_ARTIFACT_STORE), what the workers will read must be in it. */
export async function checkStore(flag: string, file: string, what: string): Promise<void> {
  const setting = process.env[ARTIFACT_STORE_ENV];
  if (!setting) return;
  let folders: string[];
  try {
    folders = artifactStoreFolders(setting);
  } catch (err) {
    throw new UserError((err as Error).message);
  }
  const inStore = await checkInStore(folders, file, what);
  if (!inStore.ok) throw new UserError(`${flag}: ${inStore.reason}`);
}

/**
 * Loads and checks the documents, as planning will: the playbook must plan onto the fleet, the
 * customers file must fit the fleet (and, when it goes by reference, lie in the store), and the
 * escalation policy is the playbook's own unless `escalationFile` names another.
 */
export async function loadRolloutDocuments(files: { playbook: string; fleet: string; customers?: string | undefined; escalationFile?: string | undefined; now: Date }): Promise<RolloutDocuments> {
  // Review records are judged as of `now`: an approval dated later is refused.
  const playbook = await loadDocument(files.playbook, reviewSchemaAsOf(playbookSchema, files.now));
  const fleet = await loadDocument(files.fleet, fleetSchema);
  const plan = planSteps(playbook.value, fleet.value.targets);
  if (!plan.ok) throw new UserError(plan.errors.map((e) => `${files.playbook}: ${e}`).join('\n'));
  const customers = files.customers ? await loadCustomersForFleet(files.customers, fleet.value) : undefined;
  // A large customers file goes by reference: the workers read it, from their store only.
  if (customers && 'customersFile' in customers) await checkStore('--customers', customers.customersFile.path, 'customers file');
  // The breaker's incident pages whoever the playbook's escalation policy names.
  const policyFile = files.escalationFile ?? (playbook.value.incidents ? resolve(dirname(resolve(files.playbook)), playbook.value.incidents.policyFile) : undefined);
  const policy = policyFile ? await loadDocument(policyFile, reviewSchemaAsOf(escalationPoliciesSchema, files.now)) : undefined;
  return { playbook, fleet, steps: plan.steps, customers, escalation: policy?.raw, escalationPolicy: policy && policyFile ? { file: policyFile, value: policy.value } : undefined };
}

/** Refuses documents that together exceed what one rollout input may carry. */
export function checkRolloutInputSize(input: unknown): void {
  checkInputSize('the rollout input (playbook, fleet, escalation policy and customers together)', input, MAX_ROLLOUT_INPUT_BYTES);
}
