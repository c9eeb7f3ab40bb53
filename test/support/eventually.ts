/**
 * Polls until `check` holds or `ms` pass, and returns its last answer: for what arrives
 * asynchronously (a Redis broadcast reaching another process, a connection changing state).
 */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 2000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}
