import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bufferIo } from '#cli/io.ts';
import { main } from '#cli/leadgate.ts';

describe('leadgate (command line)', () => {
  const folders: string[] = [];
  const emptyFolder = () => {
    const folder = mkdtempSync(join(tmpdir(), 'leadgate-cli-'));
    folders.push(folder);
    return folder;
  };
  afterEach(() => {
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
  });

  it('lists every command with --help and exits 0', async () => {
    // Prepare
    const io = bufferIo();

    // Act
    const code = await main(['--help'], io);

    // Assess
    expect(code).toBe(0);
    for (const command of [
      'sources check',
      'sources preview <sourceId> <payload file | ->',
      'fields pull',
      'send-test <sourceId>',
      'status',
      'dlq list',
      'dlq show <messageId>',
      'dlq redrive [--source ID] [--reason R] [--all]',
    ]) {
      expect(io.stdout()).toContain(command);
    }
    expect(io.stdout()).toContain('--json');
  });

  it('prints the overview and exits 2 when no command is given', async () => {
    // Prepare
    const io = bufferIo();

    // Act
    const code = await main([], io);

    // Assess
    expect(code).toBe(2);
    expect(io.stdout()).toContain('Usage: leadgate <command>');
  });

  it('explains one command with <command> --help', async () => {
    // Prepare
    const io = bufferIo();

    // Act
    const code = await main(['dlq', 'redrive', '--help'], io);

    // Assess
    expect(code).toBe(0);
    expect(io.stdout()).toContain('Usage: leadgate dlq redrive');
    expect(io.stdout()).toContain('--move-task');
  });

  it('lists the commands of a group', async () => {
    // Prepare
    const io = bufferIo();

    // Act
    const code = await main(['dlq', '--help'], io);

    // Assess
    expect(code).toBe(0);
    expect(io.stdout()).toContain('leadgate dlq list');
    expect(io.stdout()).toContain('leadgate dlq show');
  });

  it('refuses an unknown command and an unknown option with exit 2', async () => {
    // Prepare
    const unknownCommand = bufferIo();
    const unknownOption = bufferIo();

    // Act
    const commandCode = await main(['deploy'], unknownCommand);
    const optionCode = await main(['sources', 'check', '--colour'], unknownOption);

    // Assess
    expect(commandCode).toBe(2);
    expect(unknownCommand.stderr()).toContain('unknown command: deploy');
    expect(optionCode).toBe(2);
    expect(unknownOption.stderr()).toContain('--colour');
  });

  it('says how to start leadgate when no runtime is running, as JSON with --json', async () => {
    // Prepare
    const io = bufferIo({ cwd: emptyFolder() });

    // Act
    const code = await main(['status', '--json'], io);

    // Assess
    expect(code).toBe(1);
    const answer = JSON.parse(io.stdout());
    expect(answer.error.message).toContain('no running leadgate found');
    expect(answer.error.details).toContain('Start it with `npm start`.');
    expect(io.stderr()).toContain('npm start');
  });

  it('requires a filter or --all before redriving', async () => {
    // Prepare
    const io = bufferIo({ cwd: emptyFolder() });

    // Act
    const code = await main(['dlq', 'redrive'], io);

    // Assess
    expect(code).toBe(2);
    expect(io.stderr()).toContain('--source ID, --reason R, or --all');
  });
});
