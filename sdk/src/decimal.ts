/**
 * Exact decimal helpers on the API's `Decimal` strings ("1000.00", "-3.5"). Everything runs on
 * BigInt: no float ever touches an amount.
 */

/** Longest decimal string accepted, so a hostile value cannot make BigInt work unbounded. */
const decimalLengthMax = 80;
const decimalPattern = /^([+-])?(\d+)(?:\.(\d+))?$/;

interface ParsedDecimal {
  /** The value times 10^scale. */
  readonly units: bigint;
  readonly scale: number;
}

function parseDecimal(value: string, name = 'value'): ParsedDecimal {
  if (typeof value !== 'string' || value.length > decimalLengthMax) {
    throw new TypeError(`${name} must be a decimal string of at most ${decimalLengthMax} characters`);
  }
  const match = decimalPattern.exec(value);
  if (match === null) throw new TypeError(`${name} is not a decimal string: ${JSON.stringify(value)}`);
  const [, sign, integerDigits = '0', fractionDigits = ''] = match;
  const magnitude = BigInt(integerDigits + fractionDigits);
  return { units: sign === '-' ? -magnitude : magnitude, scale: fractionDigits.length };
}

function rescale(parsed: ParsedDecimal, scale: number): bigint {
  return parsed.units * 10n ** BigInt(scale - parsed.scale);
}

function render(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const integerPart = digits.slice(0, digits.length - scale);
  const body = scale === 0 ? integerPart : `${integerPart}.${digits.slice(digits.length - scale)}`;
  return negative ? `-${body}` : body;
}

/** True for a string the helpers accept: optional sign, digits, optional fraction. */
export function isDecimal(value: unknown): value is string {
  return typeof value === 'string' && value.length <= decimalLengthMax && decimalPattern.test(value);
}

/** -1, 0 or 1, like a sort comparator; "1.50" and "1.5" are equal. */
export function compareDecimal(a: string, b: string): -1 | 0 | 1 {
  const left = parseDecimal(a, 'a');
  const right = parseDecimal(b, 'b');
  const scale = Math.max(left.scale, right.scale);
  const difference = rescale(left, scale) - rescale(right, scale);
  return difference === 0n ? 0 : difference < 0n ? -1 : 1;
}

/** Exact sum, keeping the larger number of fraction digits ("1000.00" + "5" = "1005.00"). */
export function addDecimal(a: string, b: string): string {
  const left = parseDecimal(a, 'a');
  const right = parseDecimal(b, 'b');
  const scale = Math.max(left.scale, right.scale);
  return render(rescale(left, scale) + rescale(right, scale), scale);
}

/** Exact difference a − b, keeping the larger number of fraction digits. */
export function subtractDecimal(a: string, b: string): string {
  return addDecimal(a, negateDecimal(b));
}

function negateDecimal(value: string): string {
  const parsed = parseDecimal(value);
  return render(-parsed.units, parsed.scale);
}

/** Rounds `units` (at `scale`) to `targetScale` digits, half away from zero. */
function roundUnits(units: bigint, scale: number, targetScale: number): bigint {
  if (targetScale >= scale) return units * 10n ** BigInt(targetScale - scale);
  const divisor = 10n ** BigInt(scale - targetScale);
  const magnitude = units < 0n ? -units : units;
  const rounded = (magnitude + divisor / 2n) / divisor;
  return units < 0n ? -rounded : rounded;
}

export interface FormatDecimalOptions {
  /** Digits after the point; rounds half away from zero or pads with zeros. Default: the value's own. */
  readonly fractionDigits?: number;
  /** Put between groups of three integer digits, e.g. "," or " ". Default: none. */
  readonly groupSeparator?: string;
}

/** Formats for display without ever converting to a float: formatDecimal("1234.5", { fractionDigits: 2, groupSeparator: "," }) = "1,234.50". */
export function formatDecimal(value: string, options: FormatDecimalOptions = {}): string {
  const parsed = parseDecimal(value);
  const targetScale = options.fractionDigits ?? parsed.scale;
  if (!Number.isInteger(targetScale) || targetScale < 0 || targetScale > decimalLengthMax) {
    throw new RangeError(`fractionDigits must be an integer in 0..${decimalLengthMax}, got ${targetScale}`);
  }
  const rendered = render(roundUnits(parsed.units, parsed.scale, targetScale), targetScale);
  const separator = options.groupSeparator ?? '';
  if (separator === '') return rendered;
  const [integerPart = '', fractionPart] = rendered.split('.');
  const sign = integerPart.startsWith('-') ? '-' : '';
  const grouped = integerPart.slice(sign.length).replace(/\B(?=(\d{3})+(?!\d))/g, separator);
  return `${sign}${grouped}${fractionPart === undefined ? '' : `.${fractionPart}`}`;
}
