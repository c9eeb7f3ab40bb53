import { MIN_NAME, visibleLength } from '../catalogue/product-name.js';

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
 * The catalogue names to try, in order, for a provider's product: its name, then with its brand,
 * then with its barcode (catalogue names are unique, case-insensitively). Each keeps its suffix
 * whole and cuts the name before it, so a long name still gives three different candidates (cut
 * alike, they would all clash and the product would never be saved). A name the catalogue would
 * refuse (fewer than MIN_NAME visible characters, checkedName's rule) is replaced by the barcode.
 */
export function providerNameCandidates(name: string, brand: string | null, barcode: string): string[] {
  const trimmed = name.trim();
  const base = visibleLength(trimmed) >= MIN_NAME ? trimmed : barcode;
  const withSuffix = (suffix: string) => `${cut(base, NAME_MAX - [...suffix].length)}${suffix}`;
  const brandSuffix = brand?.trim() ? ` (${cut(brand.trim(), BRAND_MAX)})` : undefined;
  const out = [withSuffix(''), brandSuffix ? withSuffix(brandSuffix) : undefined];
  if (base !== barcode) out.push(withSuffix(` (${barcode})`));
  return [...new Set(out.filter((n): n is string => !!n))];
}
