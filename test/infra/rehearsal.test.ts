import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Runs `npm run rehearse` (scripts/rehearse.ts) as its own process; resolves with its exit and output. */
function runRehearsal(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/rehearse.ts'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('deploy rehearsal (docs/operations.md, "Deploy rehearsal")', () => {
  it('runs the synthesised packages against local stand-ins and delivers a form lead and a partner lead', async () => {
    // Act
    const { code, stdout, stderr } = await runRehearsal();

    // Assess
    const outcomes = stdout.split('\n').filter((line) => /^(form|partner) /.test(line));
    expect({ code, outcomes, stderr: stderr.slice(-2000) }).toEqual({
      code: 0,
      outcomes: [
        expect.stringMatching(/^form +demo-contact +\w{26} +delivered$/),
        expect.stringMatching(/^partner +rehearsal-partner +\w{26} +delivered$/),
      ],
      stderr: '',
    });
  }, 600_000);
});
