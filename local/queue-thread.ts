/**
 * The embedded queue's thread (started by `startEmbeddedQueue`): runs fauxqs, reports its port, and
 * stops it when told to.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type EmbeddedQueueOptions, type QueueThreadMessage, startFauxqsHere } from '#local/queue.ts';

const port = parentPort;
if (!port) throw new Error('local/queue-thread.ts runs as a worker thread of startEmbeddedQueue');
const tell = (message: QueueThreadMessage) => port.postMessage(message);

try {
  const server = await startFauxqsHere(workerData as EmbeddedQueueOptions);
  port.on('message', async (message: { type?: string }) => {
    if (message.type !== 'stop') return;
    await server.stop();
    port.close();
  });
  tell({ type: 'listening', port: server.port });
} catch (error) {
  tell({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  port.close();
}
