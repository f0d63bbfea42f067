// Turns pino JSON lines into short readable lines for `npm start`; other lines pass through.
const LEVEL_LABEL = {
  trace: 'TRC',
  debug: 'DBG',
  info: 'INF',
  warn: 'WRN',
  error: 'ERR',
  fatal: 'FTL',
  10: 'TRC',
  20: 'DBG',
  30: 'INF',
  40: 'WRN',
  50: 'ERR',
  60: 'FTL',
};
const HIDDEN = new Set(['level', 'time', 'msg', 'service', 'name', 'pid', 'hostname', 'v']);

export function formatLogLine(line) {
  if (!line.startsWith('{')) return line;
  let entry;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 23) : new Date(entry.time ?? Date.now()).toISOString().slice(11, 23);
  const extras = Object.entries(entry)
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : value}`)
    .join(' ');
  return `${time} ${LEVEL_LABEL[entry.level] ?? entry.level} ${entry.msg ?? ''}${extras ? `  ${extras}` : ''}`;
}
