// The Mastra server: one workflow and one tool, no model and no API key needed. Observability
// exports through Mastra's cloud exporter; Runlens points it at its own receiver when it runs the
// server (MASTRA_CLOUD_TRACES_ENDPOINT and MASTRA_CLOUD_ACCESS_TOKEN), so spans reach Runlens.
import { Mastra } from '@mastra/core/mastra';
import { PinoLogger } from '@mastra/loggers';
import { MastraPlatformExporter, Observability } from '@mastra/observability';
import { wordStatsTool } from './tools/word-stats';
import { textReportWorkflow } from './workflows/text-report';

export const mastra = new Mastra({
  workflows: { textReportWorkflow },
  tools: { wordStatsTool },
  logger: new PinoLogger({ name: 'mastra-agent', level: 'info' }),
  observability: new Observability({
    configs: {
      default: {
        serviceName: 'mastra-agent',
        exporters: [new MastraPlatformExporter()],
      },
    },
  }),
  server: {
    port: Number(process.env.PORT) || 4111,
  },
});
