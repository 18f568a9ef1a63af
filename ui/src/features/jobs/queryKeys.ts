import type { AuditFilter, JobFilter } from "../../bindings";

/**
 * The Vinted jobs area's query keys: the job queue, the audit log of the writes, and each
 * account's pacing, each under a root of its own (a job's progress refreshes the queue, a new
 * write the audit log, and neither refetches a pacing form being edited).
 */
export const jobKeys = {
  all: ["vintedJobs"] as const,
  list: (filter: JobFilter) => ["vintedJobs", filter] as const,
  audit: ["vintedAudit"] as const,
  auditList: (filter: AuditFilter) => ["vintedAudit", filter] as const,
  pacing: ["vintedPacing"] as const,
  pacingOf: (accountId: string) => ["vintedPacing", accountId] as const,
};
