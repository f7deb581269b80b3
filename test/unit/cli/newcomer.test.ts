import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferIo, plural, utcTime } from '#cli/io.ts';
import { main } from '#cli/leadgate.ts';
import { sparkline } from '#cli/sparkline.ts';
import { SANDBOX_TOKEN } from '#local/sandbox/server.ts';

describe('leadgate: what a newcomer needs to read', () => {
  it('names the sandbox token in fields pull --help', async () => {
    // Prepare
    const io = bufferIo();

    // Act
    const code = await main(['fields', 'pull', '--help'], io);

    // Assess
    expect(code).toBe(0);
    expect(io.stdout()).toContain(
      `ONPIPELINE_TOKEN=${SANDBOX_TOKEN} npx leadgate fields pull --url http://127.0.0.1:3001`,
    );
  });

  it('names the sandbox token when fields pull against the local sandbox has no token', async () => {
    // Prepare
    const io = bufferIo({ env: {} });

    // Act
    const code = await main(
      ['fields', 'pull', '--url', 'http://127.0.0.1:3001', '--data-dir', '/nonexistent-leadgate'],
      io,
    );

    // Assess
    expect(code).toBe(1);
    expect(io.stderr()).toContain('ONPIPELINE_TOKEN is not set');
    expect(io.stderr()).toContain(`ONPIPELINE_TOKEN=${SANDBOX_TOKEN}`);
  });

  it('prints times one way: readable and explicitly UTC', () => {
    // Act
    const times = ['2026-12-04T18:10:44.123Z', '2026-12-04T19:10:44+01:00', undefined, 'not a time'].map(
      utcTime,
    );

    // Assess
    expect(times).toEqual(['2026-12-04 18:10:44 UTC', '2026-12-04 18:10:44 UTC', '', 'not a time']);
  });

  it('says 1 lead and 2 leads, never lead(s)', () => {
    // Act
    const texts = [0, 1, 2].map((count) => plural(count, 'lead'));

    // Assess
    expect(texts).toEqual(['0 leads', '1 lead', '2 leads']);
  });

  it('writes no "lead(s)" in any message of the command line or the dashboard', () => {
    // Prepare
    const folders = ['cli', 'local/dashboard'];

    // Act
    const hits = folders.flatMap((folder) =>
      readdirSync(folder)
        .filter((file) => file.endsWith('.ts'))
        .flatMap((file) =>
          readFileSync(join(folder, file), 'utf8')
            .split('\n')
            .filter((line) => /\w\(s\)/.test(line))
            .map((line) => `${folder}/${file}: ${line.trim()}`),
        ),
    );

    // Assess
    expect(hits).toEqual([]);
  });

  it('draws a sparkline: one block a value scaled to the largest, a space for nothing', () => {
    // Act
    const line = sparkline([0, 1, 2, 4, 8, null]);
    const scaled = sparkline([1], 8);

    // Assess
    expect(line).toBe(' ▁▂▄█ ');
    expect(scaled).toBe('▁');
    expect(sparkline([0, 0])).toBe('  ');
  });
});
