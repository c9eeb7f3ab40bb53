import type { DecodedCode } from './decoder.js';

/** Retail codes name products; a Code 128 or QR code on food is more often something else. */
const PREFERENCE = ['EAN13', 'UPCA', 'EAN8', 'UPCE', 'Code128', 'QRCode'];

/** The code to look up among those one image held. */
export function pickCode(codes: DecodedCode[]): DecodedCode | undefined {
  return [...codes].sort((a, b) => rank(a.format) - rank(b.format))[0];
}
const rank = (f: string) => {
  const i = PREFERENCE.indexOf(f);
  return i === -1 ? PREFERENCE.length : i;
};
