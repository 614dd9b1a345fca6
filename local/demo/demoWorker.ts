/** The demo's worker process: the local stack's (local/stack/workerProcess.ts), by the demo's names. */
export {
  isWorkerProcess,
  killWorkerProcessNow as killDemoWorkerNow,
  startWorkerProcess as startDemoWorker,
  stopWorkerProcess as stopDemoWorker,
  type WorkerProcess as DemoWorker,
} from '../stack/workerProcess';
