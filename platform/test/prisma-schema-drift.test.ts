// Proves the SQL migrations and the Prisma models describe the same tables: every model, column,
// type, nullability, unique constraint and index, compared against the live migrated databases.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createConnection } from 'mariadb';
import { parseMysqlUrl } from '@walletgraph/platform/db';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const wasm = require('@prisma/prisma-schema-wasm') as { get_dmmf(params: string): string };

interface DmmfField {
  name: string;
  kind: string;
  type: string;
  isRequired: boolean;
  isList: boolean;
  dbName?: string | null;
  nativeType?: [string, string[]] | null;
  isUnique: boolean;
  isId: boolean;
  relationFromFields?: string[];
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}
interface DmmfIndex {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  dbName?: string | null;
  fields: Array<{ name: string }>;
}
interface Dmmf {
  datamodel: { models: DmmfModel[]; indexes: DmmfIndex[] };
}

const root = path.resolve(__dirname, '../..');

function dmmf(schemaFile: string): Dmmf {
  return JSON.parse(wasm.get_dmmf(JSON.stringify({ prismaSchema: readFileSync(path.join(root, schemaFile), 'utf8') }))) as Dmmf;
}

/** The MySQL column type Prisma's migrations create for a scalar field. */
function expectedColumnType(field: DmmfField): string {
  const [native, args = []] = field.nativeType ?? [];
  switch (native) {
    case 'Char':
      return `char(${args[0]})`;
    case 'VarChar':
      return `varchar(${args[0]})`;
    case 'Text':
      return 'text';
    case 'Decimal':
      return `decimal(${args[0]},${args[1]})`;
    case 'DateTime':
      return `datetime(${args[0] ?? 0})`;
    case undefined:
      break;
    default:
      throw new Error(`unmapped native type ${native}`);
  }
  switch (field.type) {
    case 'Int':
      return 'int(11)';
    case 'BigInt':
      return 'bigint(20)';
    case 'String':
      return 'varchar(191)';
    case 'DateTime':
      return 'datetime(3)';
    case 'Boolean':
      return 'tinyint(1)';
    default:
      throw new Error(`unmapped type ${field.type}`);
  }
}

interface Shape {
  columns: string[];
  indexes: string[];
}

function modelShape(schema: Dmmf): Map<string, Shape> {
  const tables = new Map<string, Shape>();
  for (const model of schema.datamodel.models) {
    const column = (name: string): string => model.fields.find((f) => f.name === name)?.dbName ?? name;
    const columns = model.fields
      .filter((f) => f.kind === 'scalar')
      .map((f) => `${f.dbName ?? f.name} ${expectedColumnType(f)} ${f.isRequired ? 'NOT NULL' : 'NULL'}`)
      .sort();
    const indexes = schema.datamodel.indexes
      .filter((i) => i.model === model.name)
      .map((i) => {
        const kind = i.type === 'normal' ? 'INDEX' : 'UNIQUE';
        const name = i.type === 'id' ? 'PRIMARY' : i.dbName;
        return `${kind} ${name}(${i.fields.map((f) => column(f.name)).join(',')})`;
      })
      .sort();
    tables.set(model.dbName ?? model.name, { columns, indexes });
  }
  return tables;
}

async function liveShape(url: string): Promise<Map<string, Shape>> {
  const t = parseMysqlUrl(url);
  const connection = await createConnection({ host: t.host, port: t.port, user: t.user, password: t.password });
  try {
    const columns = await connection.query<Array<{ t: string; c: string; ty: string; n: string }>>(
      "SELECT TABLE_NAME t, COLUMN_NAME c, COLUMN_TYPE ty, IS_NULLABLE n FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME <> '_prisma_migrations'",
      [t.database],
    );
    const stats = await connection.query<Array<{ t: string; i: string; nu: number | bigint; cols: string }>>(
      "SELECT TABLE_NAME t, INDEX_NAME i, NON_UNIQUE nu, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) cols FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME <> '_prisma_migrations' GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE",
      [t.database],
    );
    const tables = new Map<string, Shape>();
    const shape = (name: string): Shape => {
      const existing = tables.get(name) ?? { columns: [], indexes: [] };
      tables.set(name, existing);
      return existing;
    };
    for (const c of columns) shape(c.t).columns.push(`${c.c} ${c.ty} ${c.n === 'YES' ? 'NULL' : 'NOT NULL'}`);
    for (const s of stats) shape(s.t).indexes.push(`${s.i === 'PRIMARY' || Number(s.nu) === 0 ? 'UNIQUE' : 'INDEX'} ${s.i}(${s.cols})`);
    for (const table of tables.values()) {
      table.columns.sort();
      table.indexes.sort();
    }
    return tables;
  } finally {
    await connection.end();
  }
}

describe.each([
  ['wallet', 'prisma/wallet/schema.prisma', 'WALLET_DATABASE_URL'],
  ['balance', 'prisma/balance/schema.prisma', 'BALANCE_DATABASE_URL'],
])('%s: live tables match the Prisma models', (_name, schemaFile, urlVar) => {
  it('has the same tables, columns, types, nullability, uniques and indexes', async () => {
    const url = process.env[urlVar];
    if (!url) throw new Error(`${urlVar} is not set (run through npm test)`);
    const expected = modelShape(dmmf(schemaFile));
    const actual = await liveShape(url);
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [table, shape] of expected) expect({ table, ...actual.get(table) }).toEqual({ table, ...shape });
  });
});
