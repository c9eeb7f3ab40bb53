/** A substring pattern with `%`, `_` and the escape character itself escaped, for LIKE … ESCAPE '!'. */
export function likePattern(s: string): string {
  return `%${s.replace(/[!%_]/g, (c) => `!${c}`)}%`;
}
