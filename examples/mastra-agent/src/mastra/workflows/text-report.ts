// A two-step workflow: measure a text with the word-stats tool, then write a one-line report.
import { EntityType, SpanType } from '@mastra/core/observability';
import { createStep, createWorkflow } from '@mastra/core/workflows';
import { z } from 'zod';
import { wordStats, wordStatsTool } from '../tools/word-stats';

const statsSchema = z.object({ words: z.number(), characters: z.number(), topWord: z.string().nullable() });

// A tool turned into a step with createStep(tool) is traced as the step alone (Mastra 1.71). This
// step runs the tool's function inside a `tool_call` span, as an agent's tool call is traced, so
// the trace shows the run, its steps and the tool call.
const measure = createStep({
  id: 'measure',
  description: 'Runs the word-stats tool on the text.',
  inputSchema: z.object({ text: z.string() }),
  outputSchema: statsSchema,
  execute: async ({ inputData, tracingContext }) => {
    const span = tracingContext?.currentSpan?.createChildSpan({
      type: SpanType.TOOL_CALL,
      name: `tool: '${wordStatsTool.id}'`,
      entityType: EntityType.TOOL,
      entityId: wordStatsTool.id,
      entityName: wordStatsTool.id,
      input: inputData,
      attributes: { toolDescription: wordStatsTool.description, toolType: 'tool' },
    });
    try {
      const stats = wordStats(inputData.text);
      span?.end({ output: stats, attributes: { success: true } });
      return stats;
    } catch (error) {
      span?.error({ error: error as Error, attributes: { success: false } });
      throw error;
    }
  },
});

const report = createStep({
  id: 'report',
  inputSchema: statsSchema,
  outputSchema: z.object({ report: z.string() }),
  execute: async ({ inputData }) => ({
    report: `${inputData.words} words, ${inputData.characters} characters` +
      (inputData.topWord ? `, most frequent: "${inputData.topWord}"` : ''),
  }),
});

export const textReportWorkflow = createWorkflow({
  id: 'text-report',
  inputSchema: z.object({ text: z.string() }),
  outputSchema: z.object({ report: z.string() }),
})
  .then(measure)
  .then(report)
  .commit();
