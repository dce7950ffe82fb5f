// The Job fields each page reads: one list-row shape shared by the list, events and mutations.

export const JOB_ROW = `fragment JobRow on Job {
  id source nativeId scope status nativeStatus jobTypeName
  createdAt startedAt finishedAt updatedAt durationSeconds attempts
  canCancel canRerun canStart
}`;

export const STATUS_EVENTS = `subscription Changes($ids: [ID!], $filter: JobFilter) {
  jobStatusChanged(ids: $ids, filter: $filter) { id at previousStatus status job { ...JobRow } }
}
${JOB_ROW}`;
