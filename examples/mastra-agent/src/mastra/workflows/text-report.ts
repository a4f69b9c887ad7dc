// A two-step workflow: measure a text with the word-stats tool, then write a one-line report.
import { createStep, createWorkflow } from '@mastra/core/workflows';
import { z } from 'zod';
import { wordStatsTool } from '../tools/word-stats';

const statsSchema = z.object({ words: z.number(), characters: z.number(), topWord: z.string().nullable() });

const measure = createStep(wordStatsTool);

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
