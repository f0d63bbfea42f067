import { parse, print } from 'graphql';
import { RESUME_VARIABLE, resumableUpstream, VERSION_ALIAS } from './resume.js';

const PRIMARY = 'subscription Watch__balance__0($id:ID!){live:balanceUpdated(accountId:$id){__typename amount account{__typename id}}}';
const event = (version: number) => ({ data: { live: { __typename: 'Balance', amount: '1.00', [VERSION_ALIAS]: version } } });

test('the upstream operation resumes by a variable and selects the version under an alias; the client selection is unchanged', () => {
  const resumable = resumableUpstream(PRIMARY, { id: 'a' });
  expect(resumable).toBeDefined();
  expect(print(parse(resumable?.query ?? ''))).toBe(
    print(
      parse(
        `subscription Watch__balance__0($id:ID!, $${RESUME_VARIABLE}: Int){live:balanceUpdated(accountId:$id, afterVersion: $${RESUME_VARIABLE}){__typename amount account{__typename id} ${VERSION_ALIAS}: version}}`,
      ),
    ),
  );
  expect(resumable?.variables).toEqual({ id: 'a', [RESUME_VARIABLE]: null });
});

test('every delivered version advances the resubscription point; the alias is removed; a version already delivered is dropped', () => {
  const resumable = resumableUpstream(PRIMARY, { id: 'a' });
  const first = event(4);
  expect(resumable?.accept(first)).toEqual({ deliver: true, version: 4 });
  expect(first.data.live).toEqual({ __typename: 'Balance', amount: '1.00' });
  expect(resumable?.variables[RESUME_VARIABLE]).toBe(4);
  expect(resumable?.accept(event(5))).toEqual({ deliver: true, version: 5 });
  expect(resumable?.accept(event(5))).toEqual({ deliver: false });
  expect(resumable?.accept(event(3))).toEqual({ deliver: false });
  expect(resumable?.variables[RESUME_VARIABLE]).toBe(5);
  // An error event (no data) passes through.
  expect(resumable?.accept({ errors: [{ message: 'x' }] })).toEqual({ deliver: true });
});

test("the client's own afterVersion (variable or literal) is the starting point; Last-Event-ID overrides it", () => {
  const withVariable = resumableUpstream('subscription($id:ID!,$after:Int){balanceUpdated(accountId:$id,afterVersion:$after){amount}}', { id: 'a', after: 7 });
  // The client's variable carries the resume point (its definition must stay used).
  expect(withVariable?.variables).toEqual({ id: 'a', after: 7 });
  expect(withVariable?.query).toContain('afterVersion: $after');
  expect(withVariable?.query).not.toContain(RESUME_VARIABLE);
  withVariable?.accept({ data: { balanceUpdated: { amount: '1', [VERSION_ALIAS]: 8 } } });
  expect(withVariable?.variables).toEqual({ id: 'a', after: 8 });
  const literal = resumableUpstream('subscription($id:ID!){balanceUpdated(accountId:$id,afterVersion:9){amount}}', { id: 'a' });
  expect(literal?.variables[RESUME_VARIABLE]).toBe(9);
  const fromHeader = resumableUpstream(
    'subscription($id:ID!,$after:Int){balanceUpdated(accountId:$id,afterVersion:$after){amount}}',
    { id: 'a', after: 7 },
    12,
  );
  expect(fromHeader?.variables['after']).toBe(12);
  expect(fromHeader?.accept({ data: { balanceUpdated: { amount: '1', [VERSION_ALIAS]: 12 } } })).toEqual({ deliver: false });
});

test('other operations are sent as planned', () => {
  expect(resumableUpstream('query { balance(accountId: "a") { amount } }', {})).toBeUndefined();
});
