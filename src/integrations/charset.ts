/**
 * An answer's text in the charset its Content-Type declares (`application/json; charset=iso-8859-1`),
 * UTF-8 when it declares none or one TextDecoder does not know. Decoding Latin-1 bytes as UTF-8
 * would store "Cr\uFFFDme fra\uFFFDche" for "Crème fraîche".
 */
export function decodeText(bytes: Uint8Array, contentType: string | null): string {
  const label = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '')?.[1];
  if (label) {
    try {
      return new TextDecoder(label).decode(bytes);
    } catch {
      // An unknown label: UTF-8, the default for JSON.
    }
  }
  return new TextDecoder().decode(bytes);
}
