// Eval report renderers for text: aligned columns for a terminal, pipe tables for markdown (e.g.
// pasted into a pull request or a nightly job's summary). Both read the same sections.
import type { EvalDocument } from './eval-document.js';
import { isNumericCell, reportSections, type Section, summaryLines } from './report-sections.js';

function alignedTable(s: Section): string[] {
  const all = [s.head, ...s.rows];
  const widths = s.head.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => (isNumericCell(cell) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(s.head), widths.map((w) => '-'.repeat(w)).join('  '), ...s.rows.map(line)];
}

export function formatTable(doc: EvalDocument): string {
  const out = [...summaryLines(doc)];
  for (const s of reportSections(doc)) {
    out.push('', s.title, ...alignedTable(s), ...(s.notes ?? []));
  }
  return `${out.join('\n')}\n`;
}

/** Markdown cells: a pipe would end the cell, a newline the row, and markup from data must stay text. */
function mdCell(s: string): string {
  return s
    .replaceAll('\\', '\\\\')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('|', '\\|')
    .replace(/\r?\n/g, ' ');
}

export function formatMarkdown(doc: EvalDocument): string {
  const out = ['## mmoe eval', '', ...summaryLines(doc).map((l) => `- ${mdCell(l.replace(/^(\w+)\s+/, '**$1** '))}`)];
  for (const s of reportSections(doc)) {
    out.push('', `### ${mdCell(s.title)}`, '');
    out.push(`| ${s.head.map(mdCell).join(' | ')} |`, `|${s.head.map(() => ' --- ').join('|')}|`);
    for (const r of s.rows) out.push(`| ${r.map(mdCell).join(' | ')} |`);
    if (s.notes?.length) out.push('', ...s.notes.map((n) => (n.startsWith('  - ') ? `  - ${mdCell(n.slice(4))}` : `- ${mdCell(n)}`)));
  }
  return `${out.join('\n')}\n`;
}
