import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { firstById } from '#shared/channels/common/routing.ts';
import { sourcesFrom } from '#test/support/channels.ts';
import { interceptLogLines, type LogLine } from '#test/support/fuzz/logs.ts';

const lead = '\nlead:\n  FirstName: first_name\n  LastName: last_name\n';
const made = sourcesFrom({
  'tiktok-a': `channel: tiktok\ntiktok: { advertiserId: "1" }${lead}`,
  'tiktok-b': `channel: tiktok\ntiktok: { advertiserId: "1" }${lead}`,
  'tiktok-c': `channel: tiktok\ntiktok: { advertiserId: "1" }${lead}`,
});
const byId = (id: string) => {
  const source = made.sources.get(id);
  if (!source) throw new Error(`no source ${id}`);
  return source;
};

afterAll(() => made.cleanup());

let lines: LogLine[] = [];
let restore = () => {};
afterEach(() => {
  restore();
  lines = [];
});
const capture = () => {
  ({ restore } = interceptLogLines((line) => lines.push(line)));
};

describe('firstById', () => {
  it('takes the first source id in code-unit order, whatever order the candidates come in', () => {
    // Prepare
    capture();
    const candidates = [byId('tiktok-c'), byId('tiktok-a'), byId('tiktok-b')];

    // Act
    const chosen = [firstById(candidates, 'tiktok'), firstById([...candidates].reverse(), 'tiktok')];

    // Assess
    expect(chosen.map((source) => source?.id)).toEqual(['tiktok-a', 'tiktok-a']);
    expect(candidates.map((source) => source.id)).toEqual(['tiktok-c', 'tiktok-a', 'tiktok-b']);
  });

  it('warns only when several sources claim the lead', () => {
    // Prepare
    capture();

    // Act
    const alone = firstById([byId('tiktok-b')], 'tiktok');
    const none = firstById([], 'tiktok');

    // Assess
    expect(alone?.id).toBe('tiktok-b');
    expect(none).toBeUndefined();
    expect(lines.filter((line) => line.message.startsWith('several sources'))).toEqual([]);
  });
});
