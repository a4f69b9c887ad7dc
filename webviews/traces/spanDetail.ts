/**
 * The detail pane of the selected span: what it is and how long it took, its source link, the Mastra
 * AI fields (span type, entity, model, provider, tokens, cost, tool, input and output previews), attributes,
 * events (exceptions with their stack traces), links and resource.
 */
import type { Attributes, AttrValue, SpanRecord } from '../../shared/telemetry/model';
import { sourceLabel, spanSource } from '../../shared/telemetry/spanSource';
import { formatDuration, formatTime, h, icon, nanosToMs, valueText } from '../common/dom';
import type { SpanNode } from './spanTree';

const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUS = ['unset', 'ok', 'error'];
/** Mastra and gen_ai fields shown in their own section, with friendly labels. */
const AI_FIELDS: [string, string][] = [
  ['mastra.span_type', 'Type'],
  ['mastra.entity_type', 'Entity'],
  ['mastra.entity_id', 'Entity id'],
  ['mastra.entity_name', 'Entity name'],
  ['gen_ai.request.model', 'Model'],
  ['gen_ai.system', 'Provider'],
  ['gen_ai.usage.input_tokens', 'Tokens in'],
  ['gen_ai.usage.output_tokens', 'Tokens out'],
  ['gen_ai.usage.cost', 'Cost'],
  ['mastra.tool.name', 'Tool'],
  ['gen_ai.tool.name', 'Tool'],
  ['mastra.agent.name', 'Agent'],
  ['mastra.workflow.name', 'Workflow'],
];
const PREVIEW_FIELDS: [string, string][] = [['mastra.input', 'Input'], ['mastra.output', 'Output']];
const PREVIEW_CHARS = 2000;

function table(attrs: Attributes | undefined, skip: Set<string> = new Set()): HTMLElement | undefined {
  const entries = Object.entries(attrs ?? {}).filter(([k]) => !skip.has(k)).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return undefined;
  return h('table', { class: 'kv' }, h('tbody', {}, ...entries.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, valueText(v))))));
}

function section(title: string, body: HTMLElement | undefined, open = true): HTMLElement | undefined {
  if (!body) return undefined;
  return h('details', { class: 'section', open }, h('summary', {}, title), body);
}

function preview(v: AttrValue): HTMLElement {
  const text = typeof v === 'string' ? v : JSON.stringify(v, null, 2);
  const cut = text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}\n… (${text.length - PREVIEW_CHARS} more characters)` : text;
  return h('pre', { class: 'preview' }, cut);
}

function aiSection(span: SpanRecord): HTMLElement | undefined {
  const a = span.attributes;
  // Mastra names most entities by their id: a name equal to the id says nothing new.
  const same = a['mastra.entity_name'] === a['mastra.entity_id'];
  const rows = AI_FIELDS.filter(([k]) => a[k] !== undefined && !(same && k === 'mastra.entity_name')).map(([k, label]) => h('tr', {}, h('th', { scope: 'row' }, label), h('td', {}, valueText(a[k]))));
  const previews = PREVIEW_FIELDS.filter(([k]) => a[k] !== undefined).map(([k, label]) => h('div', { class: 'preview-block' }, h('div', { class: 'preview-title' }, label), preview(a[k])));
  if (rows.length === 0 && previews.length === 0) return undefined;
  return section('AI', h('div', {}, h('table', { class: 'kv' }, h('tbody', {}, ...rows)), ...previews));
}

function eventsSection(span: SpanRecord, traceStartMs: number): HTMLElement | undefined {
  const events = span.events ?? [];
  if (events.length === 0) return undefined;
  const items = events.map((e) => {
    const at = nanosToMs(e.timeUnixNano) - traceStartMs;
    const attrs = { ...(e.attributes ?? {}) };
    const stack = attrs['exception.stacktrace'];
    delete attrs['exception.stacktrace'];
    const isException = e.name === 'exception';
    return h('li', { class: isException ? 'event exception' : 'event' },
      h('div', { class: 'event-head' }, isException ? icon('error') : icon('circle-small'), ` ${e.name} `, h('span', { class: 'muted' }, `+${formatDuration(at)}`)),
      table(attrs),
      typeof stack === 'string' ? h('pre', { class: 'stack' }, stack) : undefined);
  });
  return section(`Events (${events.length})`, h('ul', { class: 'events' }, ...items));
}

function linksSection(span: SpanRecord): HTMLElement | undefined {
  const links = span.links ?? [];
  if (links.length === 0) return undefined;
  return section(`Links (${links.length})`, h('ul', { class: 'links' }, ...links.map((l) => h('li', {}, `${l.traceId} / ${l.spanId}`, table(l.attributes)))));
}

export interface DetailEvents {
  openSource(node: SpanNode): void;
}

/** Renders the pane for `node` into `into` (or the empty state for undefined). */
export function renderSpanDetail(into: HTMLElement, node: SpanNode | undefined, traceStartMs: number, events: DetailEvents): void {
  if (!node) {
    into.replaceChildren(h('p', { class: 'muted empty' }, 'Select a span to see its details.'));
    return;
  }
  const s = node.span;
  const source = spanSource(s);
  const sourceLink = source
    ? h('button', { class: 'link source-link', title: 'Open in the editor' }, icon('go-to-file'), ` ${sourceLabel(source.kind === 'attributes' ? source.location : source.frames[0])}`)
    : h('span', { class: 'muted', title: 'Add the code-source span processor to record where spans start' }, 'no source information');
  sourceLink.addEventListener('click', () => events.openSource(node));
  const facts: [string, string | undefined][] = [
    ['Duration', formatDuration(node.end - node.start)],
    ['Start', `${formatTime(traceStartMs + node.start)} (+${formatDuration(node.start)})`],
    ['Kind', KINDS[s.kind] ?? String(s.kind)],
    ['Status', `${STATUS[s.status] ?? s.status}${s.statusMessage ? `: ${s.statusMessage}` : ''}`],
    ['Service', s.service],
    ['Server', s.serverId],
    ['Run', s.runId],
    ['Scope', s.scope],
    ['Span id', s.spanId],
  ];
  const head = h('div', { class: 'detail-head' },
    h('h2', { class: node.error ? 'error' : undefined }, node.error ? icon('error', 'error') : undefined, ` ${s.name}`),
    h('div', { class: 'source-row' }, sourceLink),
    h('table', { class: 'kv facts' }, h('tbody', {}, ...facts.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, v as string))))));
  const shown = new Set([...AI_FIELDS, ...PREVIEW_FIELDS].map(([k]) => k));
  into.replaceChildren(
    head,
    ...[aiSection(s), section('Attributes', table(s.attributes, shown)), eventsSection(s, traceStartMs), linksSection(s), section('Resource', table(s.resource), false)]
      .filter((x): x is HTMLElement => x !== undefined),
  );
}
