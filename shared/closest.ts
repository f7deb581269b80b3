/**
 * "Did you mean …?" for names people type: the edit distance between two strings and the closest of
 * a list of known names. One helper for every place that suggests a name (custom fields in
 * `leadgate sources check`, and any other lookup that wants to say what was probably meant).
 */

/**
 * The Levenshtein distance (insertions, deletions, substitutions; UTF-16 units), computed in
 * O(a × b) time and O(b) memory. Stops early and returns `limit + 1` once the distance is known to
 * exceed `limit`.
 *
 * @example
 * editDistance('Lead sorce', 'Lead source'); // 1
 * editDistance('kitten', 'sitting'); // 3
 */
export function editDistance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      const value = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
      current[j] = value;
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > limit) return limit + 1;
    [previous, current] = [current, previous];
  }
  const distance = previous[b.length] as number;
  return distance > limit ? limit + 1 : distance;
}

/**
 * The known name closest to `name`, compared case-insensitively with surrounding spaces ignored, when
 * it is close enough to be a typo: at most a third of the longer name's length in edits (at least 1,
 * at most 3). `undefined` when nothing is that close. Ties go to the earlier name in `known`.
 *
 * @example
 * closestName('Lead sorce', ['Lead source', 'UTM source']); // 'Lead source'
 * closestName('lead SOURCE ', ['Lead source']); // 'Lead source'
 * closestName('Budget', ['Lead source']); // undefined
 */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  const wanted = name.trim().toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const key = candidate.trim().toLowerCase();
    const allowed = Math.min(3, Math.max(1, Math.floor(Math.max(wanted.length, key.length) / 3)));
    const distance = editDistance(wanted, key, Math.min(allowed, bestDistance - 1));
    if (distance <= allowed && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
