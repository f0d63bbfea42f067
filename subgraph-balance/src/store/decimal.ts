import { assert, isPlainDecimal } from '@walletgraph/platform/core';

/**
 * The one textual form of an amount on this service's outputs: exact, at least two fraction
 * digits, no trailing zeros beyond them ("1000.00", "995.50", "0.1234").
 */
export function formatDecimal(text: string): string {
  assert(isPlainDecimal(text), `not a plain decimal: ${text}`);
  const [integerPart = '0', fractionPart = ''] = text.split('.');
  const integer = integerPart.replace(/^(-?)0+(?=\d)/, '$1');
  const fraction = fractionPart.replace(/0+$/, '').padEnd(2, '0');
  return `${integer}.${fraction}`;
}
