// A tool that needs no API key: counts words, characters and the most frequent word of a text.
import { createTool } from '@mastra/core/tools';
import { z } from 'zod';

export interface WordStats {
  words: number;
  characters: number;
  topWord: string | null;
}

export function wordStats(text: string): WordStats {
  const words = text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
  const counts = new Map<string, number>();
  for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
  let topWord: string | null = null;
  for (const [w, n] of counts) if (topWord === null || n > counts.get(topWord)!) topWord = w;
  return { words: words.length, characters: text.length, topWord };
}

export const wordStatsTool = createTool({
  id: 'word-stats',
  description: 'Counts the words and characters of a text and finds its most frequent word.',
  inputSchema: z.object({ text: z.string() }),
  outputSchema: z.object({ words: z.number(), characters: z.number(), topWord: z.string().nullable() }),
  execute: async ({ text }) => wordStats(text),
});
