// How far apart two words are, for telling a person what a misspelt name or word may have meant.

/**
 * Edit distance with adjacent swaps (optimal string alignment): the fewest insertions,
 * deletions, substitutions and swaps of two neighbours from `a` to `b`. A swap counts one
 * because it is the commonest typo (`hots` for `host`).
 */
export function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(
        (prev[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, (before[j - 2] as number) + 1);
      row[j] = d;
    }
    before = prev;
    prev = row;
  }
  return prev[b.length] as number;
}
