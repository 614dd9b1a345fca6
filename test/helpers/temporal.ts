import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, type LogLevel, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { resolveTestServer } from '../../local/temporal/temporalBinaries';
import { INDEXED_VALUE_TYPE, SEARCH_ATTRIBUTE_LIST } from '../../contract/searchAttributes';

// Workers and the bundler log every state change at INFO; tests show WARN and up unless
// RAMPART_TEST_LOG_LEVEL says otherwise (TRACE, DEBUG, INFO, WARN, ERROR).
const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];
const wantedLevel = (process.env.RAMPART_TEST_LOG_LEVEL ?? 'WARN').toUpperCase();
const testLogLevel = (LOG_LEVELS.includes(wantedLevel) ? wantedLevel : 'WARN') as LogLevel;
try {
  Runtime.install({ logger: new DefaultLogger(testLogLevel) });
} catch {
  // a Runtime already exists in this process (installed by the test itself): keep it
}

/** Set by test/run.ts for the one dev server it runs for the whole test run. */
export const DEV_SERVER_ADDRESS_ENV = 'RAMPART_TEST_TEMPORAL_ADDRESS';

/** The shared dev server's address (host:port); a clear error when the test was not run through `npm test`. */
export function devServerAddress(): string {
  const address = process.env[DEV_SERVER_ADDRESS_ENV];
  if (!address) {
    throw new Error(
      `${DEV_SERVER_ADDRESS_ENV} is not set: run tests with \`npm test\` (or \`npx tsx test/run.ts [files...]\`), ` +
        'which starts the Temporal dev server for the run',
    );
  }
  return address;
}

/**
 * A test environment on the run's shared dev server (real timers, full server). Tests share that
 * server: give each its own task queue (uniqueTaskQueue) and workflow ids. Call `teardown()` after.
 */
export async function createDevEnv(namespace = 'default'): Promise<TestWorkflowEnvironment> {
  return await TestWorkflowEnvironment.createFromExistingServer({ address: devServerAddress(), namespace });
}

/**
 * A fresh time-skipping test server (the pinned Java binary; starts in well under a second) and an
 * environment on it: awaiting a workflow's result skips its timers. Call `teardown()` after, which
 * stops the server.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: resolveTestServer() } },
    // The time-skipping server answers a history read in one message, never in pages: a large
    // rollout's history passes gRPC's default 4 MB there, though a real server pages it.
    plugins: [{
      name: 'large-history-reads',
      configureConnection: (options) => ({ ...options, channelArgs: { ...options.channelArgs, 'grpc.max_receive_message_length': 64 * 1024 * 1024 } }),
    }],
  });
  // Like a real server, it refuses an upsert of an attribute it does not know (failing the
  // workflow task); it has no listSearchAttributes, so they are added without a look first.
  await env.connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTE_LIST.map((k) => [k.name, INDEXED_VALUE_TYPE[k.type]])),
  });
  return env;
}

/** A task queue no other test uses, so workers of different tests never steal each other's tasks. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();

/**
 * The workflow bundle for a workflows file, built once per test process (webpack takes seconds):
 * pass it as `Worker.create({ workflowBundle })` instead of `workflowsPath`.
 */
export function bundleWorkflows(workflowsPath: string): Promise<WorkflowBundleWithSourceMap> {
  let bundle = bundles.get(workflowsPath);
  if (!bundle) {
    bundle = bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger(testLogLevel) });
    bundles.set(workflowsPath, bundle);
  }
  return bundle;
}
