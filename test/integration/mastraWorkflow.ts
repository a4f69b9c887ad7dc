/**
 * Runs the mastra-agent example's `text-report` workflow over the HTTP API of Mastra 1.x's server
 * (@mastra/core 1.71, mastra 1.31): create a run, then start it and wait for its result. Routes
 * take the workflow's registration key (`textReportWorkflow`); `start-async` answers once the
 * run has finished, with its status, result and trace id.
 */
export interface WorkflowAnswer {
  runId: string;
  status: string;
  result?: { report?: string };
  traceId?: string;
}

async function postJson<T>(url: string, body: unknown): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${url} answered ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

export async function runTextReport(port: number, text: string): Promise<WorkflowAnswer> {
  const base = `http://127.0.0.1:${port}/api/workflows/textReportWorkflow`;
  const { runId } = await postJson<{ runId: string }>(`${base}/create-run`, {});
  const answer = await postJson<Omit<WorkflowAnswer, 'runId'>>(`${base}/start-async?runId=${encodeURIComponent(runId)}`, { inputData: { text } });
  return { ...answer, runId };
}
