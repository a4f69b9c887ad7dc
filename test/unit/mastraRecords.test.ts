/**
 * Mastra span records as MastraPlatformExporter (@mastra/observability 1.17) posts them: the
 * exported span spread with spanId/spanType/startedAt/endedAt/error added. The record below has the
 * fields of the tool_call span the mastra-agent example's workflow sends (ids made up).
 */
import * as assert from 'node:assert/strict';
import { mastraSpan } from '../../daemon/telemetry/mastra/records';

const origin = { serverId: 'p:mastra-agent', runId: 'r1', service: 'mastra-agent' };

const toolCall = {
  id: '5f0d7c3a9b1e2d4c', spanId: '5f0d7c3a9b1e2d4c', traceId: '9db7b71221672d8654849711c871c168', parentSpanId: '50cf1f65d3a2c3dd',
  name: "tool: 'word-stats'", type: 'tool_call', spanType: 'tool_call', entityType: 'tool', entityId: 'word-stats', entityName: 'word-stats',
  startTime: '2026-11-28T05:42:57.292Z', startedAt: '2026-11-28T05:42:57.292Z', endTime: '2026-11-28T05:42:57.301Z', endedAt: '2026-11-28T05:42:57.301Z',
  attributes: { toolDescription: 'Counts words', toolType: 'tool', success: true }, metadata: { runId: 'wf-run-1' }, tags: ['demo'],
  input: { text: 'the cat' }, output: { words: 2, characters: 7, topWord: 'the' }, error: null, isEvent: false, createdAt: '2026-11-28T05:42:57.302Z', updatedAt: null,
};

describe('Mastra span records', () => {
  it('keeps the span type, entity, tags and input/output previews', () => {
    const span = mastraSpan(toolCall, origin);
    assert.ok(typeof span !== 'string', String(span));
    assert.equal(span.name, "tool: 'word-stats'");
    assert.equal(span.parentSpanId, '50cf1f65d3a2c3dd');
    assert.equal(span.startTimeUnixNano, '1795844577292000000');
    assert.equal(span.endTimeUnixNano, '1795844577301000000');
    const a = span.attributes;
    assert.equal(a['mastra.span_type'], 'tool_call');
    assert.equal(a['mastra.entity_type'], 'tool');
    assert.equal(a['mastra.entity_id'], 'word-stats');
    assert.equal(a['mastra.entity_name'], 'word-stats');
    assert.deepEqual(a['mastra.tags'], ['demo']);
    assert.equal(a['mastra.input'], '{"text":"the cat"}');
    assert.equal(a['mastra.output'], '{"words":2,"characters":7,"topWord":"the"}');
    assert.equal(a.toolType, 'tool');
    assert.equal(span.serverId, 'p:mastra-agent');
  });

  it('leaves out entity fields that are absent or empty', () => {
    const span = mastraSpan({ ...toolCall, entityType: undefined, entityId: '', entityName: 5, tags: [] }, origin);
    assert.ok(typeof span !== 'string');
    for (const key of ['mastra.entity_type', 'mastra.entity_id', 'mastra.entity_name', 'mastra.tags']) assert.equal(span.attributes[key], undefined, key);
  });
});
