import type { DrillScenario } from '../../domain/drill';
import type { Playbook } from '../../domain/playbook';
import type { Fault } from '../fleet/artifactBuild';

/** What every drill is made of: its fleet, its versions, its stand-ins' credentials and its task queue. */
export const DRILL_TASK_QUEUE = 'rampart-drill';
/** Enough targets for a dogfood ring, a canary and a wave. */
export const DRILL_FLEET_SIZE = 4;
export const DRILL_FLEET_INTERNAL = 1;
export const DRILL_BASE_VERSION = '1.0.0';
export const DRILL_VERSION = '1.1.0';
export const DRILL_SLACK_TOKEN = 'xoxb-rampart-drill';
export const DRILL_MAIL_FROM = 'rampart-drill@example.com';
/** Each tier's acknowledgement deadline in a drill, at most (--ack-deadline): a 30-minute tier would stall the game day. */
export const DEFAULT_DRILL_ACK_DEADLINE = '5s';

/**
 * The fault each scenario builds into the release. Latency is three times the playbook's p99
 * ceiling (2 s when it has none), so a gate that exists sees it plainly; nobody-acks breaks the
 * release like error-rate and rehearses the escalation instead.
 */
export function drillFault(scenario: DrillScenario, playbook: Playbook): Fault {
  switch (scenario) {
    case 'error-rate':
    case 'nobody-acks':
      return { errorRate: 0.5 };
    case 'latency': {
      const ceiling = playbook.health.p99LatencyMs?.max;
      return { latencyMs: Math.min(60_000, ceiling ? ceiling * 3 : 2_000) };
    }
    case 'crash':
      return { crash: true };
  }
}
