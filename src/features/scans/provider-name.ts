import {
  keyFits,
  MIN_NAME,
  nameRefusal,
  visibleLength,
  withoutForbidden,
} from '../catalogue/product-name.js';

/** The products.name column's length, in characters (code points). */
const NAME_MAX = 255;
/** A brand in a name is a hint, not the whole brand list: cut long ones. */
const BRAND_MAX = 60;

/** `text` cut to `max` code points (never half a surrogate pair), without trailing white space. */
function cut(text: string, max: number): string {
  const points = [...text];
  return points.length <= max ? text : points.slice(0, max).join('').trimEnd();
}

/**
 * Provider text as a catalogue name may hold it (checkedName refuses the rest): control characters
 * as spaces, the text-direction overrides and isolates dropped, white space runs as one, trimmed.
 */
function cleaned(text: string): string {
  return withoutForbidden(text).replace(/\s+/g, ' ').trim();
}

/** A provider's brand as the catalogue stores it: cleaned as a name is (shown beside it). */
export function providerBrand(brand: string | null): string | null {
  return brand === null ? null : cleaned(brand) || null;
}

/**
 * `base` cut so that, with `suffix` kept whole, it fits products.name (NAME_MAX code points) and its
 * key fits name_key (NFKC can make a key many times the name: U+FDFA is 18 characters). Undefined
 * when what is left of `base` is not a name (fewer than MIN_NAME visible characters), or the
 * catalogue refuses the result all the same.
 */
function fitted(base: string, suffix: string): string | undefined {
  const points = [...base].slice(0, Math.max(0, NAME_MAX - [...suffix].length));
  const withPoints = (n: number) => `${points.slice(0, n).join('').trimEnd()}${suffix}`;
  let fits = points.length;
  if (!keyFits(withPoints(fits))) {
    // Longest prefix whose key fits (lo fits, hi does not). The key grows with the prefix but
    // not strictly (NFKC composes), so the result is checked, not assumed.
    let lo = 0;
    let hi = points.length;
    if (!keyFits(withPoints(lo))) return undefined;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (keyFits(withPoints(mid))) lo = mid;
      else hi = mid;
    }
    fits = lo;
  }
  if (visibleLength(points.slice(0, fits).join('')) < MIN_NAME) return undefined;
  const name = withPoints(fits);
  // The catalogue's own check, so a rule added there cannot be missed here.
  return nameRefusal(name) === undefined ? name : undefined;
}

/**
 * The catalogue names to try, in order, for a provider's product (catalogue names are unique,
 * case-insensitively): its name, then with its brand, then with its barcode, then numbered
 * ("Milk (4000000000013 #2)", #3, …) without end, so a free one is always found however many are
 * taken (users can add these names on purpose). Each keeps its suffix whole and cuts the name before
 * it, so a long name still gives different candidates (cut alike, they would all clash). Each
 * satisfies checkedName: the provider's text loses the control and direction characters the
 * catalogue refuses, and a name it would still refuse (fewer than MIN_NAME visible characters, or
 * a key too long whatever the cut) is replaced by the barcode.
 */
export function* providerNameCandidates(
  name: string,
  brand: string | null,
  barcode: string,
): Generator<string, never> {
  const clean = cleaned(name);
  const base = fitted(clean, '') ? clean : barcode;
  const brandText = brand ? cut(cleaned(brand), BRAND_MAX) : '';
  const suffixes = [''];
  if (brandText) suffixes.push(` (${brandText})`);
  if (base !== barcode) suffixes.push(` (${barcode})`);
  const seen = new Set<string>();
  for (const suffix of suffixes) {
    const candidate = fitted(base, suffix);
    if (candidate && !seen.has(candidate)) {
      seen.add(candidate);
      yield candidate;
    }
  }
  for (let n = 2; ; n++) {
    // Distinct for every n, and the barcode (digits, which always fit) when the name cannot hold
    // the suffix: the loop always reaches a name nobody has.
    yield base === barcode ? `${barcode} #${n}` : (fitted(base, ` (${barcode} #${n})`) ?? `${barcode} #${n}`);
  }
}
