import { Context } from '@temporalio/activity';

/**
 * "Now" for judging quiet hours and the weekly cap: the later of this machine's clock and
 * Temporal's clock when this attempt was scheduled. In production the two agree to within the
 * queueing delay, and the wall clock is the moment of delivery. On the time-skipping test server
 * Temporal's clock runs days ahead (it is the workflow's time), and a notice the workflow sent at
 * 23:00 Berlin time must be judged at 23:00, not at whatever the test machine's clock says.
 * Called outside an activity (tests, the bench), it is the wall clock.
 */
export function deliveryTime(): Date {
  const wall = Date.now();
  let scheduled = 0;
  try {
    scheduled = Context.current().info.currentAttemptScheduledTimestampMs;
  } catch {
    // not inside an activity
  }
  return new Date(Math.max(wall, Number.isFinite(scheduled) ? scheduled : 0));
}
