/**
 * The record's own entry for `key`, never one its prototype has. Keys that come from a project
 * (file names, statuses, commands) may be `constructor`, `toString` or `__proto__`, where a plain
 * lookup finds the object's own machinery: a function where a list was expected, or
 * `Object.prototype` itself to write counts onto.
 */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
