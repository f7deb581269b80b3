import { afterEach, describe, expect, it } from 'vitest';
import { SANDBOX_TOKEN, type Sandbox, startSandbox } from '#local/sandbox/server.ts';

describe('the sandbox page (GET / on the sandbox)', () => {
  const running: Sandbox[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((sandbox) => sandbox.stop()));
  });

  it('names its token and how to use it with leadgate fields pull', async () => {
    // Prepare
    const sandbox = await startSandbox({ port: 0 });
    running.push(sandbox);

    // Act
    const page = await (await fetch(`${sandbox.url}/`)).text();

    // Assess
    expect(page).toContain(`Token: <code>${SANDBOX_TOKEN}</code>`);
    expect(page).toContain(`<code>ONPIPELINE_TOKEN=${SANDBOX_TOKEN}</code>`);
    expect(page).toContain('leadgate fields pull');
  });

  it('never shows a token someone configured', async () => {
    // Prepare
    const sandbox = await startSandbox({ port: 0, token: 'my-own-secret-token' });
    running.push(sandbox);

    // Act
    const page = await (await fetch(`${sandbox.url}/`)).text();

    // Assess
    expect(page).not.toContain('my-own-secret-token');
    expect(page).toContain('the one set in <code>SANDBOX_TOKEN</code>');
  });
});
