import { spawn, type ChildProcess } from 'node:child_process';
import { projectRoot } from '../../src/config.ts';

export type Finished = { code: number | null; stdout: string; stderr: string };

/** Runs one of the project's entry points (src/cli.ts, src/main.ts) as a real process. */
export function runEntry(entry: string, args: string[], env: Record<string, string>): ChildProcess & { finished: Promise<Finished> } {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => { stdout += d; });
  child.stderr!.on('data', (d) => { stderr += d; });
  const finished = new Promise<Finished>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return Object.assign(child, { finished });
}

/** Resolves once the process's output contains `text`. */
export function waitForOutput(child: ChildProcess, text: string, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for "${text}"; saw: ${seen}`)), timeoutMs);
    const onData = (d: Buffer) => {
      seen += d;
      if (seen.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
  });
}
