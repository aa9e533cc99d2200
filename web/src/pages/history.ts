// A visit's history: every change to it and to its analgesics, oldest first, with who, when and
// why (the reason given for a correction or a deletion). A deleted visit's history stays.
import { get } from '../api';
import { clear, fmt, h, table } from '../dom';

interface Entry { id: number; user: string; changed_at: string; table: string; row_id: number; action: string; field: string;
  old_value: string | null; new_value: string | null }

export async function historyPage(app: HTMLElement, visitId: string) {
  const d = await get<{ visit_id: number; entries: Entry[] }>(`/api/visits/${encodeURIComponent(visitId)}/history`);
  const what = (e: Entry) => e.action === 'reason' ? `reason for the ${e.field}` : `${e.action}${e.table === 'analgesics' ? ` (analgesic ${e.row_id})` : ''}`;
  const rows = d.entries.map((e) => [e.changed_at.replace('T', ' ').replace('Z', ' UTC'), e.user, what(e),
    e.action === 'reason' ? '' : e.field, e.action === 'reason' ? '' : fmt(e.old_value), e.action === 'reason' ? h('strong', {}, fmt(e.new_value)) : fmt(e.new_value)]);
  clear(app, h('h1', {}, `History of visit ${d.visit_id}`),
    h('p', {}, 'Every change with who made it, when (UTC) and, for a correction or deletion, why. The trail cannot be changed.'),
    table(['When', 'Who', 'What', 'Field', 'Before', 'After'], rows, { id: 'history-table' }));
}
