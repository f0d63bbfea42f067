import { EventDecodeError, type BalanceUpdatedPayload } from '@walletgraph/platform/kafka';
import type { SideUpdate } from '../store/version-rule.js';

/**
 * The account changes one event carries. Deposits and openings name one account on both sides;
 * such an event must agree with itself, or it is poison.
 */
export function sideUpdatesOf(event: BalanceUpdatedPayload): SideUpdate[] {
  const cause = event.transaction_id === undefined ? {} : { transactionId: event.transaction_id };
  const from: SideUpdate = { accountId: event.account_id_from, amount: event.balance_account_id_from, version: event.version_account_id_from, ...cause };
  const to: SideUpdate = { accountId: event.account_id_to, amount: event.balance_account_id_to, version: event.version_account_id_to, ...cause };
  if (from.accountId !== to.accountId) return [from, to];
  if (from.version !== to.version) throw new EventDecodeError('same account on both sides with different versions');
  if (normalize(from.amount) !== normalize(to.amount)) throw new EventDecodeError('same account on both sides with different balances');
  return [to];
}

function normalize(decimal: string): string {
  const [integer = '0', fraction = ''] = decimal.split('.');
  return `${integer.replace(/^0+(?=\d)/, '')}.${fraction.replace(/0+$/, '')}`;
}
