/**
 * A daily loss limit as the trader types it. The device checks only that it is an amount in
 * rupees, more than zero, with at most two decimals; the server is the judge of the rest (how
 * large it may be) and answers a field error, shown beside the input. Nothing goes through a
 * float: the text is sent as typed, trimmed.
 */
export type LossLimitResult = { ok: true; limit: string } | { ok: false; error: string };

export function parseLossLimit(text: string): LossLimitResult {
  const t = text.trim();
  const match = /^(\d+)(?:\.(\d+))?$/.exec(t);
  if (!match) return { ok: false, error: 'Enter the limit in rupees, like 5000 or 5000.50.' };
  if ((match[2] ?? '').length > 2) return { ok: false, error: 'The limit can have at most 2 decimals.' };
  if (!/[1-9]/.test(t)) return { ok: false, error: 'The limit must be more than zero.' };
  return { ok: true, limit: t };
}
