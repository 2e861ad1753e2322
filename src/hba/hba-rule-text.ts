// The text of a rule: which column each field goes to, and the line written for a rule in a
// layout, reusing the old text of fields that did not change.
import type { Entry } from './auth-document.js';
import { formatOption, formatToken, type Layout, layOut } from './hba-format.js';
import type { HbaRule, TokenField } from './hba-rule.js';

/** Logical column of each field of a rule: type, database, user, address, netmask, method, first option. */
export function columnsOfRule(rule: HbaRule): number[] {
  const cols = [0, 1, 2];
  if (rule.type !== 'local') cols.push(3);
  if (rule.netmask !== undefined) cols.push(4);
  cols.push(5);
  Object.keys(rule.options).forEach((_, i) => cols.push(i === 0 ? 6 : 7));
  return cols;
}

export function cloneRule(rule: HbaRule): HbaRule {
  const copy: HbaRule = { type: rule.type, database: [...rule.database], user: [...rule.user], method: rule.method, options: { ...rule.options } };
  if (rule.address !== undefined) copy.address = rule.address;
  if (rule.netmask !== undefined) copy.netmask = rule.netmask;
  return copy;
}

export function sameRule(a: HbaRule, b: HbaRule): boolean {
  return JSON.stringify(cloneRule(a)) === JSON.stringify(cloneRule(b));
}

/** Writes a rule in a layout; with `reuse`, fields whose value did not change keep their old text. */
export function renderRule(rule: HbaRule, layout: Layout, reuse?: Entry<HbaRule>): string {
  const old = reuse?.item;
  const oldFields = reuse?.lexed?.fields ?? [];
  const oldText = (f: number): string | undefined => {
    const field = oldFields[f];
    return field ? reuse!.lexed!.content.slice(field.start, field.end) : undefined;
  };
  const oldHasMask = old?.netmask !== undefined;
  const oldMethodField = old ? (old.type === 'local' ? 3 : oldHasMask ? 5 : 4) : -1;
  const same = (a: string[] | string | undefined, b: string[] | string | undefined): boolean => JSON.stringify(a) === JSON.stringify(b);
  const list = (values: string[], field: TokenField): string => values.map((v) => formatToken(v, field)).join(',');
  const cells: string[] = [];
  cells.push(old && old.type === rule.type ? oldText(0)! : rule.type);
  cells.push(old && same(old.database, rule.database) ? oldText(1)! : list(rule.database, 'database'));
  cells.push(old && same(old.user, rule.user) ? oldText(2)! : list(rule.user, 'user'));
  if (rule.type !== 'local') {
    const keep = old && old.type !== 'local' && old.address === rule.address;
    cells.push(keep ? oldText(3)! : formatToken(rule.address!, 'address'));
    if (rule.netmask !== undefined) cells.push(keep && oldHasMask && old.netmask === rule.netmask ? oldText(4)! : formatToken(rule.netmask, 'address'));
  }
  cells.push(old && old.method === rule.method ? oldText(oldMethodField)! : rule.method);
  const oldOptionTexts = new Map<string, string>();
  if (old) {
    for (const field of oldFields.slice(oldMethodField + 1)) {
      for (const token of field.tokens) oldOptionTexts.set(token.value, reuse!.lexed!.content.slice(token.start, token.end));
    }
  }
  for (const [name, value] of Object.entries(rule.options)) {
    cells.push(oldOptionTexts.get(`${name}=${value}`) ?? formatOption(name, value));
  }
  return layOut(cells, columnsOfRule(rule), layout);
}
