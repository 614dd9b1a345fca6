/** Workflow time as ISO text: Date.now() inside the workflow sandbox is replay-safe workflow time. */
export function isoNow(): string {
  return new Date(Date.now()).toISOString();
}
