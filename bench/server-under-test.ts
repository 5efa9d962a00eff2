/**
 * The parent's side of a server under test: each server runs in a child process of its own,
 * so the load generator (this process) does not compete with it for one event loop.
 * The child announces itself over IPC with what the scenarios need, and stops on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { cpuSecondsOf } from './process-cpu.ts';

/** What a server under test reports once it listens: where it is and how to sign in there. */
export type ServedTarget = { url: string; clientId: string; clientSecret: string; login: { user: string; password: string }; tenantSlug?: string };

/** `cpuSeconds`: the child's CPU time so far (all its threads), where /proc tells it (Linux). */
export type ServerUnderTest = ServedTarget & { pid: number; cpuSeconds?: () => number; stop(): Promise<void> };

export async function startServerUnderTest(entry: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<ServerUnderTest> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(import.meta.dirname, entry)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const target = await new Promise<ServedTarget>((resolve, reject) => {
    child.once('message', (message) => resolve(message as ServedTarget));
    child.once('exit', (code) => reject(new Error(`${entry} exited (${code}) before it was ready`)));
  });
  return { ...target, pid: child.pid!, cpuSeconds: cpuSecondsOf(child.pid!), stop: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** The child's side: report readiness, and run `stop` before exiting on SIGTERM. */
export function announceReady(target: ServedTarget, stop: () => Promise<void>): void {
  process.once('SIGTERM', () => {
    stop().then(() => process.exit(0), (err) => {
      console.error(err);
      process.exit(1);
    });
  });
  process.send!(target);
}
