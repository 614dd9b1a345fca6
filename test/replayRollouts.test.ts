import { describeScenarios } from './replayScenarios';

// Rollouts that complete, wait for an approval, notify customers, or are stopped and rolled back;
// one terminated behind Rampart's back and recovered.
describeScenarios(['completed', 'approved', 'customers', 'customer-batches', 'customers-restore-unconfirmed', 'stopped', 'recovered']);
