/**
 * Compact text charts for `leadgate status`: one character per value, from `▁` to `█`, scaled to the
 * largest value; a space for zero (or no value), so an idle minute and a quiet one look different.
 *
 * @example
 * sparkline([0, 1, 2, 4]); // ' ▂▄█'
 */
const BLOCKS = '▁▂▃▄▅▆▇█';

export function sparkline(values: readonly (number | null)[], max = largest(values)): string {
  return values
    .map((value) => {
      if (value === null || value <= 0 || max <= 0) return ' ';
      const level = Math.ceil((Math.min(value, max) / max) * BLOCKS.length) - 1;
      return BLOCKS[Math.max(0, level)];
    })
    .join('');
}

function largest(values: readonly (number | null)[]): number {
  return values.reduce<number>((max, value) => Math.max(max, value ?? 0), 0);
}
