export { verifyArtifact } from './verifyArtifact';
export { installTarget, readVersions, rollbackTarget, sampleTargets, verifyTargetHealth } from './targetActions';
export { writeIncidentReport } from './incidentReport';
export { measureWithPrometheus } from './prometheus/prometheusProvider';
export { postSlackMessage, sendEmail, updateSlackMessage } from './notify';
export { setTargetFeature } from './featureToggle';
export { scheduleCustomerUpdate } from './customerSchedule';
export { deliverCustomerNotice } from './customerNotify';
