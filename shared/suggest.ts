/**
 * "Did you mean…?" for people who edit configs by hand: the closest of the valid words to a
 * misspelt one. One helper for every message that names a bad value (source configs, the CLI).
 */

/**
 * Edit distance between two words: insertions, deletions, substitutions and swaps of two
 * neighbouring letters (`FristName` → `FirstName` is one edit) each count 1.
 *
 * @example
 * editDistance('lowercase', 'lower'); // 4
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/**
 * The valid word a misspelt one most likely meant, or `undefined` when none is close. Case is
 * ignored; a word that contains a valid one or is contained in it (`lowercase` → `lower`,
 * `titlecase` → `title`) counts as close, else at most a third of the letters may differ.
 *
 * @example
 * closest('FristName', ['FirstName', 'LastName']); // 'FirstName'
 * closest('form', ['from', 'value', 'template']);   // 'from'
 * closest('colour', ['channel', 'lead']);           // undefined
 */
export function closest(word: string, valid: readonly string[]): string | undefined {
  const wanted = word.toLowerCase();
  if (wanted === '') return undefined;
  let best: { candidate: string; score: number } | undefined;
  for (const candidate of valid) {
    const lower = candidate.toLowerCase();
    const distance = editDistance(wanted, lower);
    const contains = lower.length >= 3 && (wanted.includes(lower) || lower.includes(wanted));
    const limit = Math.max(1, Math.floor(Math.max(wanted.length, lower.length) / 3));
    if (distance > limit && !contains) continue;
    // An edit-distance match beats a containment match; ties go to the first valid word.
    const score = distance <= limit ? distance : 100 + distance;
    if (best === undefined || score < best.score) best = { candidate, score };
  }
  return best?.candidate;
}

/**
 * ` (did you mean "FirstName"?)`, or an empty string when no valid word is close.
 *
 * @example
 * `unknown key "FristName"${didYouMean('FristName', keys)}`;
 */
export function didYouMean(word: string, valid: readonly string[]): string {
  const match = closest(word, valid);
  return match === undefined ? '' : ` (did you mean "${match}"?)`;
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
    const distance = editDistance(wanted, key);
    if (distance <= allowed && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
