/**
 * Whether JSON text nests arrays and objects at most `max` deep. JSON.parse has no depth limit:
 * '[' × 1,000,000 + ']' × 1,000,000 (2 MB, under the answer cap) blocks the event loop for seconds
 * building a million arrays. This linear scan (brackets inside strings do not count) stops at the
 * first level past `max`; the text is not checked for being JSON otherwise, JSON.parse does that.
 */
export function jsonDepthWithin(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash: the next character is escaped (\" does not end the string)
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return false;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return true;
}
