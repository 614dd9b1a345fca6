import { describeScenarios } from './replayScenarios';

// A pause reaching a step child, a breach held and resumed (with its incident), an incident escalated and acknowledged.
// And a drill (patch drill): its rollout and its incident, and a game-day train's run.
describeScenarios(['incident-escalated-acked', 'paused-mid-step', 'breach-resumed', 'drill', 'train-drill']);
