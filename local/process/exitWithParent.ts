/**
 * A child must not outlive the process that manages it: an orphaned target would keep its port
 * and keep answering health checks for a fleet that is gone. Two signals, because either alone
 * has a gap: the IPC channel closes when the parent dies however it dies (even SIGKILL), and the
 * parent pid changes when the process is re-parented, which also covers children started
 * without an IPC channel.
 */
export function exitWithParent(onParentGone: () => void): void {
  let fired = false;
  const fire = () => {
    if (fired) return;
    fired = true;
    onParentGone();
  };
  if (process.send) process.on('disconnect', fire);
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) fire();
  }, 1000);
  timer.unref();
}
