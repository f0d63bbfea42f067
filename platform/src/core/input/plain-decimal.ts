const PLAIN_DECIMAL_TEXT = /^-?\d+(\.\d+)?$/;

/**
 * The one plain-decimal check, for callers' amounts, stored DECIMAL columns and event amounts
 * alike: an optional minus, digits, optionally a point and digits. No plus, no exponent, no
 * spaces, no grouping; what to make of the sign and the scale is the caller's rule.
 */
export function isPlainDecimal(text: string): boolean {
  return PLAIN_DECIMAL_TEXT.test(text);
}
