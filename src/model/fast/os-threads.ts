// Whether a training thread is still there, asked of the OS: the main thread waits for the others
// in Atomics.wait, where no 'exit' event of a worker can reach it. On Linux each thread is a task
// under /proc/self/task/<id> (its id read from /proc/thread-self as it starts), gone once the
// thread has ended; elsewhere the ids are 0 and only the long stall timeout remains.
import { existsSync, readlinkSync } from 'node:fs';

/** This thread's id in the OS, or 0 where /proc does not tell. */
export function osThreadId(): number {
  try {
    const id = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(id) && id > 0 ? id : 0;
  } catch {
    return 0;
  }
}

/** The first thread index (1 and up) whose OS thread has ended, or null. */
export function goneThread(ids: Int32Array): number | null {
  for (let t = 1; t < ids.length; t++) {
    const id = Atomics.load(ids, t);
    if (id > 0 && !existsSync(`/proc/self/task/${id}`)) return t;
  }
  return null;
}
