import { describeScenarios } from './replayScenarios';

// A pause reaching a step child, a breach held and resumed (with its incident), an incident escalated and acknowledged.
describeScenarios(['incident-escalated-acked', 'paused-mid-step', 'breach-resumed']);
