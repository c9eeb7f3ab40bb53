/**
 * The forms one product's barcode takes: a UPC-A is also the EAN-13 with a leading 0, a UPC-E
 * is a compressed UPC-A. A catalogue entry under any of them is the same product.
 */
export function barcodeVariants(code: string, format?: string): string[] {
  const out = [code];
  if (/^\d{12}$/.test(code)) out.push(`0${code}`);
  if (/^0\d{12}$/.test(code)) out.push(code.slice(1));
  if (format === 'UPCE' && /^[01]\d{7}$/.test(code)) {
    const upcA = upcEToUpcA(code);
    out.push(upcA, `0${upcA}`);
  }
  return [...new Set(out)];
}

/** Expands an 8-digit UPC-E (number system, 6 digits, check digit) to its 12-digit UPC-A. */
export function upcEToUpcA(upcE: string): string {
  const ns = upcE[0]!;
  const d = upcE.slice(1, 7);
  const check = upcE[7]!;
  const last = d[5]!;
  let body: string;
  if (last <= '2') body = `${d.slice(0, 2)}${last}0000${d.slice(2, 5)}`;
  else if (last === '3') body = `${d.slice(0, 3)}00000${d.slice(3, 5)}`;
  else if (last === '4') body = `${d.slice(0, 4)}00000${d[4]}`;
  else body = `${d.slice(0, 5)}0000${last}`;
  return `${ns}${body}${check}`;
}
