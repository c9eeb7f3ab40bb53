/**
 * Where a provider's redirect may lead: the same origin, or the same host upgraded from http to
 * https (OFF's http:// address answers with such a redirect). Anything else — another host, a
 * cloud metadata address, a downgrade to http — is refused: the base URL is the only host the
 * configuration trusts, and the request may carry an API key.
 */
export function allowedRedirect(from: URL, location: string): URL | undefined {
  let to: URL;
  try {
    to = new URL(location, from);
  } catch {
    return undefined;
  }
  if (to.origin === from.origin) return to;
  const upgrade =
    from.protocol === 'http:' &&
    to.protocol === 'https:' &&
    to.hostname === from.hostname &&
    (to.port === '' || to.port === '443') &&
    (from.port === '' || from.port === '80');
  return upgrade ? to : undefined;
}
