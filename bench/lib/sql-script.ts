/**
 * Reading a `--sql` script of either tool: statements end with `;` at a line's end, comment lines
 * start with `--`, and a `-- Running upgrade …` / `-- Running downgrade …` line opens each revision.
 */

/** The statements of `script`, comment lines dropped, grouped by revision (the text before the first is a group). */
export function statementsByRevision(script: string): string[][] {
  return script
    .split(/^-- Running .*$/m)
    .map((block) =>
      block
        .split(/;\s*\n/)
        .map((s) =>
          s
            .split('\n')
            .filter((line) => !line.startsWith('--'))
            .join('\n')
            .trim(),
        )
        .filter(Boolean),
    )
    .filter((group) => group.length > 0);
}

/** The statements of `script`, in order, comment lines dropped. */
export const statements = (script: string): string[] => statementsByRevision(script).flat();
