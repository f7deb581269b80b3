import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { lambdaContext } from '#local/poller.ts';
import { formatLogLine, terminalLogWanted, useTerminalLog } from '#local/terminal-log.ts';
import { redact } from '#shared/telemetry.ts';

/** A logger like leadgate's, with the Lambda context the local poller makes up, writing to memory. */
function capturedLogger(pretty: boolean) {
  const lines = { out: [] as string[], err: [] as string[] };
  const logger = new Logger({ serviceName: 'leadgate', logLevel: 'INFO' });
  logger.addContext(lambdaContext('leadgate-deliver'));
  if (pretty) {
    useTerminalLog(logger, {
      out: { write: (text: string) => lines.out.push(text) },
      err: { write: (text: string) => lines.err.push(text) },
    });
  }
  return { logger, lines };
}

describe('the terminal log of npm start', () => {
  it('prints one line per event: UTC time, level, message and the ids, no made-up Lambda ARN', () => {
    // Prepare
    const { logger, lines } = capturedLogger(true);

    // Act
    logger.info('lead delivered', {
      leadId: '01JLEAD',
      sourceId: 'demo-contact',
      outcome: 'delivered',
      status: 201,
      attempt: 1,
      onpipelineLeadId: '4242',
      durationMs: 75,
    });
    logger.warn('lead dead-lettered', {
      leadId: '01JBAD',
      reason: 'onpipeline_rejected',
      detail: 'Invalid JSON',
    });

    // Assess
    expect(lines.out).toHaveLength(1);
    expect(lines.out[0]).toMatch(
      /^\d{2}:\d{2}:\d{2}\.\d{3} UTC INFO {2}lead delivered {2}leadId=01JLEAD sourceId=demo-contact outcome=delivered status=201 attempt=1 onpipelineLeadId=4242 durationMs=75\n$/,
    );
    expect(lines.err).toEqual([
      expect.stringMatching(
        / WARN {2}lead dead-lettered {2}leadId=01JBAD reason=onpipeline_rejected detail="Invalid JSON"\n$/,
      ),
    ]);
    expect(lines.out.join('') + lines.err.join('')).not.toMatch(
      /arn:aws|function_|cold_start|local-\d+-\d+|\{/,
    );
  });

  it('prints exactly the values of the JSON line, so the same redaction holds', () => {
    // Prepare: what deliver logs for a refused lead (its detail redacted, as now)
    const attributes = {
      leadId: '01JBAD',
      sourceId: 'partner-x',
      outcome: 'permanent',
      detail: redact('Invalid email jane.doe@example.test, phone +34 600 111 222'),
    };
    const json = capturedLogger(false);
    const written: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) =>
      written.push(String(chunk)) > 0) as typeof process.stdout.write;

    // Act
    try {
      json.logger.info('lead dead-lettered', attributes);
    } finally {
      process.stdout.write = original;
    }
    const line = formatLogLine(JSON.parse(written.join('')) as Record<string, unknown>);

    // Assess
    expect(line).toContain('detail="Invalid email [email], phone [number]"');
    expect(line).not.toMatch(/jane|600 111|example\.test/);
    for (const value of Object.values(attributes)) expect(line).toContain(value);
  });

  it('is pretty at a terminal, JSON when piped, and LEADGATE_LOG_FORMAT decides when set', () => {
    // Act
    const choices = [
      terminalLogWanted({}, true),
      terminalLogWanted({}, false),
      terminalLogWanted({ LEADGATE_LOG_FORMAT: 'json' }, true),
      terminalLogWanted({ LEADGATE_LOG_FORMAT: 'pretty' }, false),
    ];

    // Assess
    expect(choices).toEqual([true, false, false, true]);
  });
});
