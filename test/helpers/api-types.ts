// The shapes the query API answers with, as far as tests read them.
export interface LogRow {
  time: string;
  host: string;
  source: string;
  containerId: string;
  containerName: string;
  stream: string;
  unit: string;
  identifier: string;
  severityNumber: number;
  body: string;
  seq: number;
}
export interface EventRow {
  time: string;
  action: string;
  containerId: string;
  containerName: string;
  exitCode: number | null;
  attributes: Record<string, string>;
}
export interface SampleRow {
  time: string;
  containerName: string;
  cpuCores: number;
  cpuUsageSeconds: number;
  memoryUsageBytes: number;
  memoryWorkingSetBytes: number;
  memoryLimitBytes: number;
  origin: string;
}
export interface ContainerRow {
  id: string;
  name: string;
  state: string;
  exitCode: number | null;
  oomKilled: boolean;
  memoryLimitBytes: number;
}
