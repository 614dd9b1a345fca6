export { verifyArtifact } from './verifyArtifact';
export { installTarget, rollbackTarget, sampleTargets, verifyTargetHealth } from './targetActions';
