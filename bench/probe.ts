/**
 * A probe the e2e benchmark preloads into the runtime it measures (`node --import ./bench/probe.ts
 * local/start.ts`): once a second it appends one JSON line to `BENCH_PROBE_FILE` with the process's
 * memory (RSS; V8 heap used and total of the main thread, external; heap used of every worker thread:
 * the queue's and the delivery side's) and the main event loop's delay over that second
 * (p50, p99, max, from `perf_hooks.monitorEventLoopDelay`) and utilisation, and the CPU time the main
 * thread and the whole process (every thread) used in that second: CPU per lead does not depend on
 * how busy the machine is, latency does. A stalled loop shows as a
 * high max; a leak as a heap that climbs across the soak. Not loaded by `npm start`.
 */
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { isMainThread, type Worker } from 'node:worker_threads';

const file = process.env.BENCH_PROBE_FILE;
// Worker threads inherit the process's `--import`: without this test the queue's and the delivery
// thread's copies of the probe appended their own lines (their own thread's CPU and loop) to the same
// file, which the soak then summed as the main thread's.
if (file && isMainThread) {
  const workers = new Set<Worker>();
  process.on('worker', (worker: Worker) => {
    workers.add(worker);
    worker.once('exit', () => workers.delete(worker));
  });
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  let utilization = performance.eventLoopUtilization();
  let mainCpu = process.threadCpuUsage();
  let processCpu = process.cpuUsage();
  const started = Date.now();
  const ms = (ns: number) => Number((ns / 1e6).toFixed(2));
  const mib = (bytes: number) => Number((bytes / 1024 / 1024).toFixed(1));
  const timer = setInterval(async () => {
    const workerHeaps = await Promise.all(
      [...workers].map((worker) =>
        worker.getHeapStatistics().then(
          (stats) => mib(stats.used_heap_size),
          () => 0,
        ),
      ),
    );
    const memory = process.memoryUsage();
    const next = performance.eventLoopUtilization();
    const used = performance.eventLoopUtilization(next, utilization).utilization;
    utilization = next;
    const mainCpuNow = process.threadCpuUsage();
    const processCpuNow = process.cpuUsage();
    const cpuMs = (now: NodeJS.CpuUsage, before: NodeJS.CpuUsage) =>
      Number(((now.user - before.user + now.system - before.system) / 1000).toFixed(1));
    const mainCpuMs = cpuMs(mainCpuNow, mainCpu);
    const processCpuMs = cpuMs(processCpuNow, processCpu);
    mainCpu = mainCpuNow;
    processCpu = processCpuNow;
    appendFileSync(
      file,
      `${JSON.stringify({
        t: Date.now() - started,
        at: Date.now(),
        rssMiB: mib(memory.rss),
        heapUsedMiB: mib(memory.heapUsed),
        heapTotalMiB: mib(memory.heapTotal),
        externalMiB: mib(memory.external),
        workerHeapUsedMiB: workerHeaps,
        loopP50Ms: ms(delay.percentile(50)),
        loopP99Ms: ms(delay.percentile(99)),
        loopMaxMs: ms(delay.max),
        loopUtilization: Number(used.toFixed(3)),
        mainCpuMs,
        processCpuMs,
      })}\n`,
    );
    delay.reset();
  }, 1000);
  timer.unref();
}
